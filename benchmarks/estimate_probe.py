"""One configuration measured in a fresh process, next to its estimates: the peak RSS a run of it
adds to a warmed-up interpreter, and the time of one training step.

    python benchmarks/estimate_probe.py '<RunConfig as JSON>' [steps]     prints one JSON line

The process first trains three tiny runs (HNET and EWC on 2 Split Digits tasks, HNET with a
ResNet-32 target: imports and torch's one-off initialisation are not the run's), resets the kernel's peak-RSS mark
(`/proc/self/clear_refs`), builds the run and trains its LAST task: a run of T tasks is moved to
task T−1 with every buffer that grows with tasks already full (HNET's snapshot is recomputed from
the embeddings at the task's start, EWC's anchors and Fishers and the from-scratch networks are
filled with T−1 rows), which is where a run's memory peaks (the snapshot forward over T−1 tasks,
a step regularizing them, the evaluation of all T) without training the T−1 tasks before it.
Steps are timed one by one on one thread (the estimate is one step on one core), as the process's
CPU time (`step_s`: other jobs on a shared machine inflate it far less than the wall time, which
is reported too as `step_wall_s`); the first (the task's start) and the last (the evaluation) are
not counted in the step time.

Used by benchmarks/bench_estimates.py (the full grid) and tests/test_estimates.py (a few corners).
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _status(field: str) -> float:
    """VmRSS / VmHWM of this process in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def warm_up() -> None:
    from hnviz.core.presets import default_config
    from hnviz.core.trainer import Trainer

    for m, target in (("hnet", None), ("ewc", None), ("hnet", "resnet32")):
        warm = Trainer(default_config("split-digits", m, target).replace(
            task={"n_tasks": 2}, train={"iters_per_task": 2}))
        warm.run()  # conv targets: the first convolution sets up oneDNN's buffers
        del warm


def jump_to_last_task(tr) -> None:
    """Put a fresh trainer at the start of its last task with every grown buffer full."""
    import torch

    T = tr.n_tasks
    if T <= 1:
        return
    m = tr.method
    for name in m.grown_buffers:
        if name == "snapshot":  # recomputed by begin_task from the embeddings
            continue
        cur = getattr(m, name)
        rows = 1 if m.spec.online else T - 1  # online EWC: one running anchor and Fisher
        setattr(m, name, torch.zeros(rows, *cur.shape[1:]))
    tr.task = T - 1
    tr.history["R"] = [[None] * T for _ in range(T - 1)]
    tr.history["task_end_steps"] = [0] * (T - 1)
    for key in ("R_given", "R_task"):
        if key in tr.history:
            tr.history[key] = [[None] * T for _ in range(T - 1)]


def measure(cfg_dict: dict, steps: int) -> dict:
    import gc

    import torch

    from hnviz.core.config import RunConfig
    from hnviz.core.limits import HARD
    from hnviz.core.sizes import memory_estimate, step_estimate
    from hnviz.core.trainer import Trainer

    torch.set_num_threads(1)  # the estimate is one step on one core: time it on one
    warm_up()
    cfg = RunConfig.from_dict(cfg_dict)
    cfg = cfg.replace(train={"iters_per_task": steps, "eval_every": steps})
    gc.collect()
    exact = _reset_peak()
    base = _status("VmRSS") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tr = Trainer(cfg, limits=HARD)
    jump_to_last_task(tr)
    phases = {"building": _status("VmHWM") - base}
    times, walls = [], []
    while not tr.done:
        t0, w0 = time.process_time(), time.perf_counter()
        tr.advance(1)
        times.append(time.process_time() - t0)
        walls.append(time.perf_counter() - w0)
        phase = ("start of the task and a step" if len(times) == 1
                 else "evaluation" if tr.done else "steps")
        phases[phase] = max(phases.get(phase, 0.0), _status("VmHWM") - base)
    peak = _status("VmHWM")
    inner = times[1:-1] or times
    inner_wall = walls[1:-1] or walls
    est = memory_estimate(cfg)
    return {"estimate_mb": est.mb, "measured_mb": max(0.0, peak - base),
            "largest": est.largest()[0], "step_s": statistics.median(inner),
            "step_wall_s": statistics.median(inner_wall),
            "step_estimate_s": step_estimate(cfg).seconds, "first_s": times[0],
            "last_s": times[-1], "exact_peak": exact, "error": tr.error,
            "phases": {k: round(v, 1) for k, v in phases.items()},
            "threads": torch.get_num_threads()}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    out = measure(json.loads(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 6)
    print(json.dumps(out))
