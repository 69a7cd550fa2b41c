"""The worker: a process (or, for InlinePool, a thread) that hosts runs and trains them.

Protocol over one duplex connection (a `multiprocessing` Pipe, or `channel.ThreadConnection`):
  server → worker   (op, req, kwargs)  op: "add" (run_id, owner, source, play, extras,
                                        device; source: `source.py`), "play",
                                        "pause", "step" (run_id, n), "export", "remove" (run_id),
                                        "stop"
  worker → server   ("hello", info)            once, when ready (pid, torch threads, niceness)
                    ("update", Update)          every publish of every run, in order
                    ("reply", req, ok, value)   one per request; value is the result, or
                                                (error type name, one-line message) when not ok.
A Step's reply is sent right after the update that completes it, so when the server sees the
reply its mirror already shows the steps.

The loop: while any run plays, drain the commands that are waiting (never blocking), then train
one slice (`RunHost.work(0)`); when nothing plays, block on the connection. So a Pause takes
effect within one slice. When the server's end closes (the server exited or was killed), the
worker exits.

`main` is the process entry (spawned, never forked). Before torch is imported it sets the CPU
policy: OMP_NUM_THREADS = MKL_NUM_THREADS = HNVIZ_THREADS (default 1), then
torch.set_num_threads; it lowers its own priority by `nice` (os.nice) so the web server's own work
preempts training, and ignores SIGINT (Ctrl+C on the server closes the pipe, which ends the
worker). This module imports neither torch nor hnviz.core at import time.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import signal
import sys
import threading
import time
from typing import Any

STOP = "stop"


def _threads_setting() -> int:
    """HNVIZ_THREADS as `hnviz.core.threads.default_threads` reads it (that module imports
    torch, which must not happen before OMP_NUM_THREADS is set)."""
    try:
        return max(1, int(os.environ.get("HNVIZ_THREADS", "1")))
    except ValueError:
        return 1


def main(conn, options, nice: int = 5) -> None:
    """Process entry (target of a spawned multiprocessing.Process)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    n = _threads_setting()
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(n)
    preimported = "torch" in sys.modules  # e.g. the server's main script imports torch
    import torch

    torch.set_num_threads(n)
    # Niced only now: importing torch at the web process's priority lets a freshly started
    # server's workers be ready by the time its first page has drawn (issue 21: niced, they
    # waited for the first page's imports and the first ▶ waited for them).
    niceness = None
    if nice:
        try:
            niceness = os.nice(nice)
        except OSError:
            pass
    serve(conn, options, {"pid": os.getpid(), "threads": torch.get_num_threads(),
                          "nice": niceness, "torch_preimported": preimported})


def serve(conn, options, info: dict[str, Any] | None = None) -> None:
    """Host runs and answer requests until "stop" or the server's end closes."""
    from hnviz.core import threads

    from .host import RunHost

    threads.configure()  # per thread where torch keeps it per thread (the thread backend)
    host = RunHost(options)
    try:
        _rehearse_safely(options)  # before hello: no run can be building meanwhile
        conn.send(("hello", dict(info or {}, pid=os.getpid())))
        threading.Thread(target=_warm_up, daemon=True, name="hnviz-warm-up").start()
        while True:
            timeout = 0.0 if host.busy else None  # None: block until a command arrives
            while conn.poll(timeout):
                op, req, kwargs = conn.recv()
                if op == STOP:
                    return
                _handle(conn, host, op, req, kwargs)
                timeout = 0.0
            _emit(conn, host.work(0.0))
    except (EOFError, OSError, BrokenPipeError):
        return  # the server is gone


def _rehearse_safely(options) -> None:
    """`_rehearse` (what hosting and training the first run pays once: ~0.25 s per worker
    measured on a loaded machine, and the lecture's ▶ hosts two runs, one per worker), in the
    serving thread before hello (issue 21). Not in a background thread: building a Trainer
    seeds and draws from torch's process-wide generator, and a rehearsal beside a real run's
    build made that run's initial weights differ from the same run built alone."""
    try:
        _rehearse(options)
    except Exception:  # noqa: BLE001 - a warm-up only: the run that needs it will say why
        pass


def _warm_up() -> None:
    """torch._dynamo's one-off import, in the background DYNAMO_DELAY_S after hello:
    torch.func's vmap (EWC's per-sample Fisher at a task's end) imports it, plain training steps
    do not (core/adam.py). It takes ~0.85 s idle, ~5 s on a loaded machine, and holds the GIL
    most of that time: before hello it doubled the time a freshly started server made the first
    ▶ wait; right after hello, a ▶ in the first seconds still shared the worker with it
    (issue 21). A Fisher that comes first waits on the import lock, not a re-import."""
    time.sleep(DYNAMO_DELAY_S)
    try:
        import torch._dynamo  # noqa: F401
    except Exception:  # noqa: BLE001 - a warm-up only: the run that needs it will say why
        pass


DYNAMO_DELAY_S = 15.0
REHEARSAL_STEPS = 20


def _rehearse(options) -> int:
    """A throwaway run of the 1-D toy's preset (the Train page's default and the lecture's live
    step), on a private RunHost (in the serving thread, whose torch threads `serve` has
    configured): hosted (its Trainer built, its first update and
    checkpoint published), trained for REHEARSAL_STEPS steps and dropped (returns the steps
    made). Nothing of it reaches the server; the torch kernels, allocator pools and lazy imports
    it touched stay warm."""
    from hnviz.core.presets import default_config

    from .host import RunHost
    from .source import FromConfig

    cfg = default_config("regression1d", "hnet")
    host = RunHost(options)
    host.add("rehearsal", "", FromConfig(cfg.to_dict(), {"name": "rehearsal"}))
    host.step("rehearsal", REHEARSAL_STEPS)
    trainer = host._get("rehearsal").trainer
    for _ in range(REHEARSAL_STEPS):  # a slice makes at least one step
        if trainer.global_step >= REHEARSAL_STEPS:
            break
        host.work(0.0)
    steps = trainer.global_step
    host.remove("rehearsal")
    return steps


def _handle(conn, host, op: str, req: int, kw: dict[str, Any]) -> None:
    try:
        if op == "add":
            _emit(conn, host.add(kw["run_id"], kw["owner"], kw["source"],
                                 play=kw.get("play", False), extras=kw.get("extras"),
                                 device=kw.get("device")))
            conn.send(("reply", req, True, None))
        elif op in ("play", "pause"):
            _emit(conn, getattr(host, op)(kw["run_id"]))
            conn.send(("reply", req, True, None))
        elif op == "step":  # replied to by _emit when the step completes
            _emit(conn, host.step(kw["run_id"], kw["n"], token=req))
        elif op == "export":
            conn.send(("reply", req, True, host.export(kw["run_id"])))
        elif op == "remove":
            host.remove(kw["run_id"])
            conn.send(("reply", req, True, None))
        else:
            raise ValueError(f"unknown command {op!r}")
    except (EOFError, OSError):
        raise
    except Exception as e:  # a bad request fails alone; the worker goes on
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        if isinstance(e, KeyError) and e.args:
            first = str(e.args[0])
        conn.send(("reply", req, False, (type(e).__name__, first[:300])))


def _emit(conn, updates) -> None:
    for u in updates:
        try:
            conn.send(("update", u))
        except (pickle.PicklingError, TypeError, AttributeError) as e:
            conn.send(("update", dataclasses.replace(
                u, extras=None, extras_error=f"extras are not picklable: {e}"[:300])))
        if u.step_token is not None:
            conn.send(("reply", u.step_token, True, u.steps_done))
