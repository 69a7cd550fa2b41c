"""Bundled demo runs (assets/runs/*.pt), parsed once per server process and shared read-only.

A fresh session must open in about a second, so sessions never deserialize or copy the demos:
they hold references to these `Demo` values. Each demo's RunView (config, history, progress) is
parsed from the file without building a model; the model itself (a Trainer, for the analysis
pages) and the live-chart extras are built on first request and then shared by every session.
Nothing here is ever trained: training "on a demo" starts a new run of the user's own.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hnviz.core.benchmarks import benchmark
from hnviz.core.config import RunConfig
from hnviz.core.io import RunFileError, display_name, load_run, read_run_dict
from hnviz.paths import asset

from .runview import RunView

DEMO_DIR = asset("runs")
FIRST_DEMO = "01-regression-hnet.pt"  # the run a new visitor sees first


@dataclass(frozen=True, eq=False)
class Demo:
    file: str  # e.g. "01-regression-hnet.pt"
    name: str  # "Demo · regression · HNET β=0.005"
    description: str
    data: bytes  # the run file (downloads, "train on from here")
    view: RunView  # without extras (see `extras()`)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _built: dict[str, Any] = field(default_factory=dict, repr=False)

    def trainer(self):
        """The demo's model as a Trainer, built once and shared: callers must only read it
        (evaluate, generate weights), never train it."""
        with self._lock:
            if "trainer" not in self._built:
                self._built["trainer"] = load_run(self.data)[0]
            return self._built["trainer"]

    def extras(self) -> dict:
        """The live-chart extras (hnviz.analysis.views.train_extras), computed once."""
        from hnviz.analysis.views import train_extras

        trainer = self.trainer()
        with self._lock:
            if "extras" not in self._built:
                self._built["extras"] = train_extras(trainer)
            return self._built["extras"]


def view_from_config(cfg: RunConfig, state: str = "idle", message: str | None = None
                     ) -> RunView:
    """The RunView of a run of `cfg` that has not trained yet (nothing built: its worker has
    not published anything): task names, total steps and the metric from the registry, an
    empty history."""
    b = benchmark(cfg.task.benchmark)
    n = b.n_tasks(cfg.task)
    history = {"loss": [], "evals": [], "R0": [], "R": [], "emb_traj": [], "task_end_steps": []}
    return RunView(cfg=cfg, history=history, task=0, step_in_task=0, n_tasks=n,
                   task_names=tuple(b.task_names(n)), metric=b.metric.name, state=state,
                   message=message)


def view_from_file(raw: dict[str, Any], state: str | None = None) -> RunView:
    """The RunView of a parsed run file (`read_run_dict`), without building the model."""
    cfg = RunConfig.from_dict(raw["config"])
    b = benchmark(cfg.task.benchmark)
    n = b.n_tasks(cfg.task)
    st = raw["state"]
    task, step = int(st.get("task", 0)), int(st.get("step_in_task", 0))
    error = st.get("error")
    if state is None:
        state = "diverged" if error else "done" if task >= n else "paused" if task or step \
            else "idle"
    return RunView(cfg=cfg, history=raw["history"], task=task, step_in_task=step, n_tasks=n,
                   task_names=tuple(b.task_names(n)), metric=b.metric.name, error=error,
                   state=state)


def parse_demo(path: Path) -> Demo:
    data = path.read_bytes()
    raw = read_run_dict(data)
    meta = raw.get("meta") or {}
    name = display_name(meta, raw["config"].get("name", ""), path.stem)
    desc = str((meta.get("demo") or {}).get("description", ""))
    return Demo(path.name, name, desc, data, view_from_file(raw))


@functools.lru_cache(maxsize=1)
def demos(folder: str = str(DEMO_DIR)) -> tuple[Demo, ...]:
    """Every readable bundled demo, in file order (a broken asset is skipped, never fatal)."""
    out = []
    for p in sorted(Path(folder).glob("*.pt")):
        try:
            out.append(parse_demo(p))
        except (RunFileError, Exception):  # noqa: BLE001 - a bad asset must not stop the app
            continue
    return tuple(out)
