"""Start, watch and cancel a sweep from the page: a background OS process, not a thread.

`start()` launches `python -m hnviz sweep ... --out <the user's sweeps folder>/<name>` in its own
process group (so Cancel can end it together with its worker processes) and remembers it in this
session's state. Progress is read from the sweep's manifest on disk, which the process rewrites
whenever a run starts or finishes. Nothing here keeps the process alive: closing the browser
leaves it running to completion, and its results show up in the selector like any other sweep.

Where the runs train is the server's setting, not the visitor's: with `HNVIZ_SWEEP_ADDRESS` set
(a Dask scheduler, `tcp://host:8786`) the app's sweeps go to that cluster, else to local worker
processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from hnviz.analysis.sweeps import SweepProgress, progress
from hnviz.core.io import slugify
from hnviz.paths import source_root
from hnviz.ui import state
from hnviz.ui.explorer_data import user_sweeps_dir

_KEY = "explorer.job"


@dataclass
class SweepJob:
    """One background sweep of this session."""

    name: str
    out: str
    pid: int
    argv: list[str]
    log: str
    started: float
    proc: subprocess.Popen | None = None
    cancelled: bool = False
    selected: bool = False  # the finished sweep was made the explorer's selection
    shown_done: int = 0  # finished runs when the page last redrew this sweep

    def returncode(self) -> int | None:
        """None while running."""
        if self.proc is not None:
            return self.proc.poll()
        try:  # pragma: no cover - only after a server restart lost the Popen handle
            os.kill(self.pid, 0)
            return None
        except ProcessLookupError:
            return 0

    @property
    def running(self) -> bool:
        return self.returncode() is None

    def progress(self) -> SweepProgress:
        return progress(self.out)

    def log_tail(self, n: int = 1500) -> str:
        try:
            text = Path(self.log).read_text(errors="replace")
        except OSError:
            return ""
        return text.replace("\r", "\n")[-n:]


def cluster_address() -> str | None:
    """The Dask scheduler the server sends sweeps to ($HNVIZ_SWEEP_ADDRESS), or None: local."""
    return os.environ.get("HNVIZ_SWEEP_ADDRESS", "").strip() or None


def sweep_argv(benchmark: str, method: str, values: list[float], seeds: list[int],
               iters: int, out: Path, jobs: int | None = None,
               address: str | None = None) -> list[str]:
    argv = [sys.executable, "-m", "hnviz", "sweep", "--benchmark", benchmark, "--method",
            method, "--values", ",".join(repr(float(v)) for v in values),
            "--seeds", ",".join(str(s) for s in seeds), "--iters", str(iters),
            "--out", str(out)]
    if address:
        argv += ["--backend", "dask", "--address", address]
    elif jobs:
        argv += ["--jobs", str(jobs)]
    return argv


def current() -> SweepJob | None:
    return state.get(_KEY)


def start(name: str, benchmark: str, method: str, values: list[float], seeds: list[int],
          iters: int, jobs: int | None = None) -> SweepJob:
    """Launch the sweep as a background process (its own process group)."""
    out = (user_sweeps_dir() / slugify(name, 60, "sweep")).absolute()
    out.mkdir(parents=True, exist_ok=True)
    log = out / "sweep.log"
    argv = sweep_argv(benchmark, method, values, seeds, iters, out, jobs, cluster_address())
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    src = source_root()  # a checkout: the sweep imports this same hnviz (an installed one: as is)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))
    with open(log, "wb") as f:  # cwd: the sweep's folder, which holds no other hnviz to import
        proc = subprocess.Popen(argv, cwd=out, env=env, stdin=subprocess.DEVNULL, stdout=f,
                                stderr=subprocess.STDOUT, start_new_session=True)
    job = SweepJob(name=out.name, out=str(out), pid=proc.pid, argv=argv, log=str(log),
                   started=time.time(), proc=proc)
    state.put(_KEY, job)
    return job


def cancel(job: SweepJob) -> None:
    """SIGTERM the sweep's process group (the sweep and its workers); SIGKILL after 5 s."""
    job.cancelled = True
    try:
        os.killpg(job.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    if job.proc is not None:
        try:
            job.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(job.pid, signal.SIGKILL)
            job.proc.wait(timeout=5)
    try:  # workers left behind by a killed parent share the group
        os.killpg(job.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def forget() -> None:
    state.put(_KEY, None)
