"""The scenario registry: the paper's three continual-learning scenarios (van de Ven & Tolias
2019), one `Scenario` entry each; everything that depends on the scenario asks the entry.

    SCENARIOS["cl2"]                     the entry (registry order is the order people see)
    scenario(name)                       the same, with a ConfigError naming the choices
    heads_for(cfg, has_embeddings, T, O) the target's output layout in a run (`Heads`)

  CL1 (task-incremental): the task is given at test time; one output head per task.
  CL2 (domain-incremental): the task is not given; one shared head (O outputs) for every task.
  CL3 (class-incremental): the task is not given and the network must also tell which task's
      classes an input belongs to: the label of class c of task t is t·O + c, a prediction is
      over the classes of every task seen so far.

Training always knows the task boundaries. Methods with task embeddings (HNET, HNET+R) train the
same way in every scenario (each task's generated network with its own head) and infer the task
at test time in CL2/CL3 (`inference.py`); the baselines train one set of weights, whose output
layout the scenario decides (`Heads`): CL3 uses the outputs of every task seen so far in one
softmax ("active classes").
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .config import SCENARIO_NAMES, RunConfig, registry_entry


@dataclass(frozen=True)
class Scenario:
    name: str  # the id in configs, URLs, run files and manifests: "cl1" | "cl2" | "cl3"
    label: str  # for people: "CL2 · task not given"
    short: str  # "CL2"
    description: str
    task_given: bool  # the task identity is an input at test time
    shared_head: bool  # baselines: one head of O outputs for every task
    class_incremental: bool  # labels over every task's classes: t·O + c


SCENARIOS: dict[str, Scenario] = {s.name: s for s in (
    Scenario("cl1", "CL1 · task given", "CL1",
             "The task identity is given at test time; each task has its own output head.",
             task_given=True, shared_head=False, class_incremental=False),
    Scenario("cl2", "CL2 · task not given", "CL2",
             "One shared output head; the task is not given at test time (the label within a "
             "task is what counts).",
             task_given=False, shared_head=True, class_incremental=False),
    Scenario("cl3", "CL3 · infer the task", "CL3",
             "The task is not given and must be inferred too: the answer is a class among every "
             "task's classes seen so far.",
             task_given=False, shared_head=False, class_incremental=True),
)}
assert tuple(SCENARIOS) == SCENARIO_NAMES  # config.py validates names against this list
DEFAULT_SCENARIO = "cl1"


def scenario(name: str) -> Scenario:
    """The registry entry called `name`; ConfigError naming the choices otherwise."""
    return registry_entry(SCENARIOS, name, "task.scenario")


@dataclass(frozen=True)
class Heads:
    """How a run's target outputs [.., n_heads·out_dim] map to task t's loss.

    logits(out, t, active): the outputs task t is trained on: head t (n_heads = T), the one
                    head (n_heads = 1), or with `grow` (CL3 baselines) the outputs of tasks
                    0..active (default t; joint training passes the task being trained, so
                    every task's batch competes with every class seen so far).
    labels(y, t):   task t's local labels y in those outputs (y + t·out_dim with `grow`)."""

    n_heads: int
    out_dim: int
    grow: bool = False

    def logits(self, out: torch.Tensor, t: int, active: int | None = None) -> torch.Tensor:
        o = self.out_dim
        if self.grow:
            return out[..., :((t if active is None else active) + 1) * o]  # [.., (a+1)·O]
        if self.n_heads == 1:
            return out
        return out[..., t * o:(t + 1) * o]  # [.., O]

    def labels(self, y: torch.Tensor, t: int) -> torch.Tensor:
        return y + t * self.out_dim if self.grow else y


def n_heads(cfg: RunConfig, has_embeddings: bool, n_tasks: int) -> int:
    """Output heads of the target: one per task (CL1 with `train.multi_head`, CL3, and every
    method with task embeddings), else one (CL2 baselines, or multi_head off)."""
    if has_embeddings:
        return n_tasks if cfg.train.multi_head else 1
    s = scenario(cfg.task.scenario)
    if s.shared_head or (s.task_given and not cfg.train.multi_head):
        return 1
    return n_tasks


def heads_for(cfg: RunConfig, has_embeddings: bool, n_tasks: int, out_dim: int) -> Heads:
    """The output layout of a run (see `Heads`)."""
    grow = scenario(cfg.task.scenario).class_incremental and not has_embeddings
    return Heads(n_heads(cfg, has_embeddings, n_tasks), out_dim, grow)
