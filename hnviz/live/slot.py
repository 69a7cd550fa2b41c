"""One worker slot of a pool: starts its worker (a spawned process, or a thread for InlinePool),
receives its messages on one thread, sends requests, and restarts the worker when it dies.

Threads per slot: a supervisor that launches the worker and then receives from it until the
connection ends (a reply resolves its `Pending`; an update goes to `on_update`). When the worker
dies, every pending request fails with RunLost, `on_lost(slot, reason)` marks its runs, and the
worker is started again (with a growing pause when it keeps dying); `on_ready(slot)` (run on a
short helper thread, so the receiver is already reading) re-hosts what was lost.

Locks: every outgoing message is written under `send_lock` (one writer at a time; callers hold it
to order a command with their bookkeeping). The receiver never takes `send_lock`, and nobody
sends while holding the pool's lock, so a full pipe in both directions cannot deadlock: the
receiver keeps draining the worker, which then drains its commands.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import multiprocessing as mp
import signal
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from typing import Any

from . import worker
from .channel import thread_pipe
from .errors import LiveError, PoolBusy, RunLost, UnknownRun

log = logging.getLogger("hnviz.live")

_SPAWN = mp.get_context("spawn")  # the server is multi-threaded: never fork it
_MAIN_LOCK = threading.Lock()


@contextlib.contextmanager
def plain_main() -> Iterator[None]:
    """Start a spawned worker without re-running the parent's `__main__` in it.

    spawn re-imports `sys.modules["__main__"]` in every child. Under Streamlit that is the PAGE
    SCRIPT while a script run is active (Streamlit installs it as `__main__`), so each worker
    would run the app (and try to start a pool of its own: "daemonic processes are not allowed
    to have children"). During `Process.start()` an empty `__main__` stands in for it; the
    worker needs nothing from the parent's main module."""
    with _MAIN_LOCK:
        saved = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if saved is not None:
                sys.modules["__main__"] = saved


class Pending:
    """One request waiting for its reply."""

    def __init__(self, op: str, run_id: str | None):
        self.op, self.run_id = op, run_id
        self._event = threading.Event()
        self._ok = False
        self._value: Any = None

    def resolve(self, ok: bool, value: Any) -> None:
        if not self._event.is_set():
            self._ok, self._value = ok, value
            self._event.set()

    def fail(self, exc: Exception) -> None:
        self.resolve(False, exc)

    @property
    def finished(self) -> bool:
        return self._event.is_set()

    def result(self, timeout: float | None) -> Any:
        """The reply's value; raises the request's error, or PoolBusy after `timeout` s."""
        if not self._event.wait(timeout):
            raise PoolBusy(f"the training server did not finish {self.op!r} within {timeout:g} s; "
                           "try again in a moment")
        if self._ok:
            return self._value
        raise error_from_reply(self._value)


def error_from_reply(value: Any) -> Exception:
    """The exception a failed reply stands for (the worker sends (type name, message))."""
    if isinstance(value, Exception):
        return value
    kind, message = value
    if kind == "RunFileError":
        from hnviz.core.io import RunFileError  # torch: only on this (rare) path

        return RunFileError(message)
    if kind == "KeyError":
        return UnknownRun(message)
    return LiveError(message)


def exit_reason(exitcode: int | None) -> str:
    if exitcode is None:
        return "it stopped answering"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = ", often the out-of-memory killer" if name == "SIGKILL" else ""
        return f"it was killed by {name}{hint}"
    return f"it exited with code {exitcode}"


class WorkerSlot:
    def __init__(self, index: int, *, backend: str, options: Any, nice: int,
                 on_update: Callable[[WorkerSlot, Any], None],
                 on_lost: Callable[[WorkerSlot, str], None],
                 on_ready: Callable[[WorkerSlot], None], start_timeout: float = 120.0):
        if backend not in ("process", "thread"):
            raise ValueError(f"backend must be 'process' or 'thread', got {backend!r}")
        self.index, self.backend = index, backend
        self._options, self._nice, self._start_timeout = options, nice, start_timeout
        self._on_update, self._on_lost, self._on_ready = on_update, on_lost, on_ready
        self.send_lock = threading.RLock()  # a Connection must not be written by two threads
        self.ready = threading.Event()
        self.info: dict[str, Any] = {}
        self.restarts = 0
        self.last_error: str | None = None
        self._lock = threading.Lock()  # guards _pending, _conn, _worker
        self._pending: dict[int, Pending] = {}
        self._conn: Any = None
        self._worker: Any = None  # multiprocessing.Process | threading.Thread
        self._closing = threading.Event()
        self._crashes: collections.deque[float] = collections.deque(maxlen=5)
        self._thread = threading.Thread(target=self._supervise, daemon=True,
                                        name=f"hnviz-live-slot-{index}")

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self._thread.start()

    @property
    def pid(self) -> int | None:
        w = self._worker
        return getattr(w, "pid", None) if self.backend == "process" else None

    def _supervise(self) -> None:
        delay = 0.0
        while not self._closing.is_set():
            if delay and self._closing.wait(delay):
                break
            try:
                conn, w = self._launch()
            except Exception as e:
                if self._closing.is_set():  # shut down while starting: nothing to report
                    break
                self.last_error = str(e).splitlines()[0] if str(e) else type(e).__name__
                log.warning("hnviz live worker %d did not start: %s", self.index, self.last_error)
                delay = min(30.0, max(1.0, 2 * delay))
                continue
            with self._lock:
                self._conn, self._worker = conn, w
            if self._closing.is_set():
                self._teardown(conn, w)
                break
            self.ready.set()
            threading.Thread(target=self._call_ready, daemon=True,
                             name=f"hnviz-live-ready-{self.index}").start()
            self._receive(conn)  # until the worker's end closes
            self.ready.clear()
            if self._closing.is_set():
                self._fail_pending(PoolBusy("the training server is shutting down"))
                self._teardown(conn, w)
                break
            self._fail_pending(RunLost("the training process stopped; the run is being restored "
                                       "from its last checkpoint"))
            reason = exit_reason(self._reap(w))
            self._teardown(conn, w)
            log.warning("hnviz live worker %d stopped: %s; restarting", self.index, reason)
            now = time.monotonic()
            self._crashes.append(now)
            self.restarts += 1
            recent = sum(now - t < 60 for t in self._crashes)
            delay = 0.0 if recent <= 2 else min(30.0, 2.0 ** (recent - 2))
            try:
                self._on_lost(self, reason)
            except Exception:
                log.exception("hnviz live: marking the runs of worker %d lost failed", self.index)

    def _call_ready(self) -> None:
        try:
            self._on_ready(self)
        except Exception:
            log.exception("hnviz live: re-hosting runs on worker %d failed", self.index)

    def _launch(self):
        """Start the worker and wait for its hello; (connection, process or thread)."""
        if self.backend == "process":
            conn, child = _SPAWN.Pipe(duplex=True)
            w = _SPAWN.Process(target=worker.main, args=(child, self._options, self._nice),
                               daemon=True, name=f"hnviz-live-worker-{self.index}")
            with plain_main():
                w.start()
            child.close()  # only the worker holds its end: its death closes the pipe
        else:
            conn, child = thread_pipe()
            w = threading.Thread(target=_thread_worker, args=(child, self._options), daemon=True,
                                 name=f"hnviz-live-worker-{self.index}")
            w.start()
        deadline = time.monotonic() + self._start_timeout
        try:
            while not conn.poll(0.2):
                if self._closing.is_set() or time.monotonic() > deadline:
                    raise PoolBusy(f"worker {self.index} did not start within "
                                   f"{self._start_timeout:g} s")
            try:
                kind, info = conn.recv()
            except EOFError:
                if self.backend == "process":
                    w.join(2)
                    why = exit_reason(w.exitcode)
                else:
                    why = "its thread ended"
                raise LiveError(f"worker {self.index} stopped while starting: {why} (a script "
                                "that starts a pool needs an `if __name__ == '__main__':` "
                                "guard)") from None
            if kind != "hello":
                raise LiveError(f"worker {self.index} sent {kind!r} before hello")
        except BaseException:
            self._teardown(conn, w)
            raise
        self.info = info
        return conn, w

    def _receive(self, conn) -> None:
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                return
            except Exception:  # an unreadable message: report, keep the stream
                log.exception("hnviz live: unreadable message from worker %d", self.index)
                continue
            try:
                if msg[0] == "update":
                    self._on_update(self, msg[1])
                elif msg[0] == "reply":
                    _, req, ok, value = msg
                    with self._lock:
                        pending = self._pending.pop(req, None)
                    if pending is not None:
                        pending.resolve(ok, value)
                    elif not ok:
                        log.warning("hnviz live worker %d: request %d failed: %s", self.index,
                                    req, value[1] if isinstance(value, tuple) else value)
            except Exception:
                log.exception("hnviz live: handling a message from worker %d failed", self.index)

    def _reap(self, w) -> int | None:
        w.join(5)
        return getattr(w, "exitcode", None) if self.backend == "process" else 1

    def _teardown(self, conn, w) -> None:
        if self.backend == "process" and w.is_alive():
            w.terminate()
            w.join(2)
            if w.is_alive():
                w.kill()
                w.join(2)
        try:
            conn.close()
        except OSError:
            pass
        with self._lock:
            if self._conn is conn:
                self._conn = None

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the worker (ask, then terminate, then kill) and the slot's threads."""
        self._closing.set()
        with self._lock:
            conn, w = self._conn, self._worker
        if conn is not None and self.send_lock.acquire(timeout=timeout):
            try:
                conn.send((worker.STOP, 0, {}))
            except (OSError, ValueError):
                pass
            finally:
                self.send_lock.release()
        if w is not None:
            w.join(timeout)
            if self.backend == "process" and w.is_alive():
                w.terminate()
                w.join(2)
                if w.is_alive():
                    w.kill()
                    w.join(2)
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._fail_pending(PoolBusy("the training server is shutting down"))

    # ------------------------------------------------------------------ messages
    def send(self, op: str, req: int, kwargs: dict[str, Any],
             pending: Pending | None = None) -> Pending | None:
        """Send one command under `send_lock` (a caller may already hold it, to order the
        command with its bookkeeping). With `pending`, its reply will resolve it; a dead worker
        fails it at once."""
        with self.send_lock:
            with self._lock:
                conn = self._conn
                if pending is not None:
                    self._pending[req] = pending
            if conn is None or not self.ready.is_set():
                if pending is not None:
                    self._drop(req, RunLost("the training process is restarting; try again in "
                                            "a moment"))
                return pending
            try:
                conn.send((op, req, kwargs))
            except (OSError, ValueError) as e:  # the receiver sees the EOF and restarts it
                if pending is not None:
                    self._drop(req, RunLost(f"the training process stopped ({e})"))
        return pending

    def fail(self, req: int, exc: Exception) -> None:
        """Fail one request now (e.g. its run was removed)."""
        self._drop(req, exc)

    def _drop(self, req: int, exc: Exception) -> None:
        with self._lock:
            pending = self._pending.pop(req, None)
        if pending is not None:
            pending.fail(exc)

    def _fail_pending(self, exc: Exception) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        for p in pending.values():
            p.fail(exc)


def _thread_worker(conn, options) -> None:
    try:
        worker.serve(conn, options, {"backend": "thread"})
    except BaseException:  # even SystemExit: the thread ends like a dead process, never raises
        log.exception("hnviz live: the in-process worker stopped")
    finally:
        conn.close()
