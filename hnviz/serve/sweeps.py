"""Sweeps started from the app (the β explorer's form): a background OS process per sweep,
one per user, owned by the user's workspace (not a browser tab), bounded before it starts and
stopped when the workspace is released.

`start_sweep` checks the request against `ServerLimits` (values × seeds ≤ sweep_runs,
iterations ≤ sweep_iters, workers ≤ sweep_jobs, the space its run files will take within the
user's budget), then launches `python -m hnviz sweep ... --out <the user's sweeps folder>/<name>`
in its own process group at the live workers' niceness (`HNVIZ_WORKER_NICE`, default +5: the
web server's work preempts it), so Cancel ends it with its worker processes. Progress is read
from the sweep's manifest on disk.

Where the runs train is the server's setting: with `HNVIZ_SWEEP_ADDRESS` set (a Dask scheduler,
`tcp://host:8786`) the app's sweeps go to that cluster, else to local worker processes.
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
from hnviz.live.limits import Limits as LiveLimits
from hnviz.paths import source_root

from .limits import ServerLimits, env_name
from .userstore import StoreError, UserStore

MAX_VALUES = 24  # strengths in one app sweep (the grid is values × seeds ≤ sweep_runs anyway)


class SweepRefused(StoreError):
    """An app sweep that is not started (one line, naming the limit)."""


@dataclass
class SweepJob:
    """One background sweep of one user."""

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

    def eta_s(self) -> float | None:
        """Seconds until it finishes, from its progress so far (None before the first run)."""
        p = self.progress()
        if not p.done or not p.total:
            return None
        elapsed = time.time() - self.started
        return elapsed / p.done * (p.total - p.done)

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


def check_request(values: list[float], seeds: list[int], iters: int, jobs: int,
                  limits: ServerLimits) -> None:
    """SweepRefused naming the first bound the request passes."""
    runs = len(values) * len(seeds)
    if not values or len(values) > MAX_VALUES:
        raise SweepRefused(f"give 1 to {MAX_VALUES} values (got {len(values)})")
    if runs > limits.sweep_runs:
        raise SweepRefused(f"{len(values)} values × {len(seeds)} seeds = {runs} runs, more than "
                           f"the {limits.sweep_runs} one sweep from the app may train "
                           f"({env_name('sweep_runs')}); use fewer values or seeds, or the "
                           "command line")
    if not 1 <= iters <= limits.sweep_iters:
        raise SweepRefused(f"{iters} iterations per task is outside 1 … {limits.sweep_iters} "
                           f"({env_name('sweep_iters')})")
    if not 1 <= jobs <= limits.sweep_jobs:
        raise SweepRefused(f"{jobs} parallel workers is outside 1 … {limits.sweep_jobs} "
                           f"({env_name('sweep_jobs')})")


def run_file_bytes(benchmark: str, method: str, iters: int) -> int:
    """What one run file of the sweep takes at most (weights, moments, history)."""
    from hnviz.core.presets import default_config
    from hnviz.core.sizes import file_tensor_bytes, history_bytes

    cfg = default_config(benchmark, method).replace(train={"iters_per_task": iters})
    return file_tensor_bytes(cfg) + history_bytes(cfg)


def start_sweep(store: UserStore, name: str, benchmark: str, method: str,
                values: list[float], seeds: list[int], iters: int, jobs: int = 1) -> SweepJob:
    """Launch the sweep in the background (its own process group, niced); SweepRefused or
    OverBudget (StoreErrors, one line) before anything starts."""
    limits = store.limits
    check_request(values, seeds, iters, jobs, limits)
    store.reserve(len(values) * len(seeds) * run_file_bytes(benchmark, method, iters))
    out = (store.sweeps / slugify(name, 60, "sweep")).absolute()
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
    nice_group(proc.pid, LiveLimits.from_env().worker_nice)
    return SweepJob(name=out.name, out=str(out), pid=proc.pid, argv=argv, log=str(log),
                    started=time.time(), proc=proc)


def nice_group(pgid: int, nice: int) -> None:
    """Lower the CPU priority of a process group (its workers, spawned later, inherit it)."""
    if nice <= 0:
        return
    try:
        os.setpriority(os.PRIO_PGRP, pgid, min(19, os.getpriority(os.PRIO_PROCESS, 0) + nice))
    except (OSError, AttributeError):  # gone already, or a platform without it
        pass


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
        return
    deadline = time.monotonic() + 5  # SIGKILL is delivered asynchronously: wait until it took
    while time.monotonic() < deadline and _group_alive(job.pid):
        time.sleep(0.02)


def _group_alive(pgid: int) -> bool:
    """Does a process of the group still run (zombies, dead and waiting to be reaped by whoever
    adopted them, do not count)? Linux reads /proc; elsewhere any member counts."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
            return True
        except (ProcessLookupError, PermissionError):
            return False
    for p in proc.glob("[0-9]*"):
        try:
            fields = (p / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False
