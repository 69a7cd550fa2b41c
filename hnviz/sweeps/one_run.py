"""One grid point, trained where it is called: a local worker process, a Dask or a Ray worker on
another machine. It writes nothing: it returns the run file as bytes and the manifest record, and
the client saves both (no shared file system needed).

`report(event)` tells the caller what happens while it trains:
    {"event": "start", "host", "pid"}             once, before anything is built
    {"event": "progress", "step", "total"}         at most every PROGRESS_S seconds
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from collections.abc import Callable
from typing import Any

from hnviz.analysis.summary import run_summary
from hnviz.analysis.sweeps import regression_functions, task_grids
from hnviz.core.limits import LIBRARY, Limits

PROGRESS_S = 0.5
CHUNK = 50  # training steps between progress checks

Report = Callable[[dict[str, Any]], None]


def train_point(cfg_dict: dict[str, Any], grid_points: int, report: Report | None = None,
                limits: Limits = LIBRARY, device: str = "cpu") -> dict[str, Any]:
    """Train one run to its end on `device` (cpu | cuda[:N] | auto, resolved here: where the
    worker runs). Returns {"record": {"status": "ok" | "failed", "error",
    "summary", "functions"?, "device", "host"}, "run": bytes | None}. Never raises: an exception
    becomes a failed record (without a run file); a run that diverges is failed with its file."""
    from hnviz.core.config import RunConfig
    from hnviz.core.io import run_to_bytes
    from hnviz.core.threads import threads
    from hnviz.core.trainer import Trainer

    report = report or (lambda event: None)
    host = socket.gethostname()
    report({"event": "start", "host": host, "pid": os.getpid()})
    try:
        with threads(1):  # one torch thread per run: the models are tiny
            trainer = Trainer(RunConfig.from_dict(cfg_dict), limits=limits, device=device)
            device = str(trainer.weights_for(0).device)
            t0 = last = time.perf_counter()
            while not trainer.done:
                trainer.advance(CHUNK)
                if time.perf_counter() - last >= PROGRESS_S:
                    last = time.perf_counter()
                    report({"event": "progress", "step": trainer.global_step,
                            "total": trainer.total_steps})
            summary = run_summary(trainer, time.perf_counter() - t0)
            rec: dict[str, Any] = {"status": "failed" if trainer.error else "ok",
                                   "error": trainer.error, "summary": summary,
                                   "device": device, "host": host}
            if trainer.seq.is_regression:
                rec["functions"] = regression_functions(trainer,
                                                        task_grids(trainer.seq, grid_points))
            run = run_to_bytes(trainer, meta={"summary": summary, "sweep_record": rec})
        return {"record": rec, "run": run}
    except Exception as e:  # noqa: BLE001 - a crashed run must not stop the sweep
        return {"record": failed(one_line(e), host=host), "run": None}


def failed(error: str, **extra: Any) -> dict[str, Any]:
    """The record of a run that did not finish, with its reason."""
    return {"status": "failed", "error": error[:500], "summary": None, **extra}


def one_line(e: BaseException) -> str:
    """'RuntimeError: boom': the exception's last line, without a traceback."""
    return traceback.format_exception_only(type(e), e)[-1].strip()
