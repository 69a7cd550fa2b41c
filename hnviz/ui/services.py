"""The server's shared infrastructure, one per process: the live-training
pool (hnviz.live: worker processes that train every user's runs) and the registry of users'
workspaces (hnviz.serve.workspace). Neither holds a model in this process: models being trained
live in the workers; each workspace is reachable only with its user's token.

The pool starts in the background when the first page is served, so that the first ▶ Play does
not wait for the workers to import PyTorch. A daemon thread releases, every minute, workspaces
unseen for longer than `HNVIZ_LIMIT_IDLE_S` (default 10 min; `hnviz.serve.limits`: their runs are
in their files and come back on the next visit, their sweep is stopped).

Once created, the objects alive then (the imported libraries: torch, plotly, …) are moved out of
the garbage collector's reach (`gc.freeze`), so that the collections Python still runs while
many sessions poll do not walk them holding the GIL (see `.streamlit/config.toml`,
postScriptGC).
"""

from __future__ import annotations

import gc
import threading
from dataclasses import dataclass

from hnviz.live import make_pool
from hnviz.serve.limits import ServerLimits
from hnviz.serve.userstore import runs_root
from hnviz.serve.workspace import Workspaces

EVICT_EVERY_S = 60.0


@dataclass(frozen=True, eq=False)
class Services:
    pool: object  # hnviz.live.TrainPool | InlinePool
    workspaces: Workspaces


def _evict_loop(ws: Workspaces) -> None:
    stop = threading.Event()
    while not stop.wait(EVICT_EVERY_S):
        try:
            ws.evict_idle()
        except Exception:  # noqa: BLE001 - housekeeping must never take the server down
            pass


_LOCK = threading.Lock()
_SERVICES: list[Services] = []


def services() -> Services:
    """The process's Services, created on first use (a module-level singleton, like
    st.cache_resource, but reachable from tests and threads without a script run)."""
    with _LOCK:
        if not _SERVICES:
            _SERVICES.append(_create())
            gc.collect()
            gc.freeze()  # the libraries loaded by now live as long as the server
        return _SERVICES[0]


def _create() -> Services:
    holder: dict[str, object] = {}
    workspaces = Workspaces(runs_root(), lambda: holder["pool"], limits=ServerLimits.from_env())
    pool = make_pool(on_checkpoint=workspaces.on_checkpoint)
    holder["pool"] = pool
    pool.start()
    threading.Thread(target=_evict_loop, args=(workspaces,), daemon=True,
                     name="hnviz-evict-workspaces").start()
    return Services(pool, workspaces)
