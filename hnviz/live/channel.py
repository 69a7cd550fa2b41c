"""An in-process duplex channel with the part of `multiprocessing.connection.Connection`'s
interface the pool uses (send, recv, poll, close), for the thread backend (InlinePool).

Messages are pickled on send, exactly as over a pipe: the receiver never shares an object with the
sender, and an unpicklable message fails in the same place in both backends.
"""

from __future__ import annotations

import pickle
import queue
import threading
from typing import Any

_CLOSED = object()


class ThreadConnection:
    def __init__(self, inbox: queue.Queue, outbox: queue.Queue):
        self._inbox, self._outbox = inbox, outbox
        self._peeked: Any = None
        self._has_peeked = False
        self._closed = False
        self._eof = False
        self._lock = threading.Lock()

    def send(self, obj: Any) -> None:
        if self._closed:
            raise OSError("connection is closed")
        self._outbox.put(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))

    def poll(self, timeout: float | None = 0.0) -> bool:
        """True when recv() would not block (a message, or the peer closed: recv raises)."""
        if self._closed:
            raise OSError("connection is closed")
        if self._has_peeked or self._eof:
            return True
        try:
            item = self._inbox.get(block=timeout is None or timeout > 0, timeout=timeout)
        except queue.Empty:
            return False
        self._peeked, self._has_peeked = item, True
        return True

    def recv(self) -> Any:
        if self._closed:
            raise OSError("connection is closed")
        if not self._has_peeked and not self._eof:
            self._peeked, self._has_peeked = self._inbox.get(), True
        if self._eof or self._peeked is _CLOSED:
            self._eof, self._has_peeked = True, False
            raise EOFError("peer closed the connection")
        item, self._peeked, self._has_peeked = self._peeked, None, False
        return pickle.loads(item)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._outbox.put(_CLOSED)


def thread_pipe() -> tuple[ThreadConnection, ThreadConnection]:
    """Two connected ends, like `multiprocessing.Pipe(duplex=True)`."""
    a, b = queue.Queue(), queue.Queue()
    return ThreadConnection(a, b), ThreadConnection(b, a)
