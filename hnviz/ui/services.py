"""The server's shared infrastructure, one per process: the live-training
pool (hnviz.live: worker processes that train every user's runs) and the registry of users'
workspaces (hnviz.serve.workspace). Neither holds a model in this process: models being trained
live in the workers; each workspace is reachable only with its user's token.

The pool starts in the background at the very start of the first page the server runs
(`hnviz.ui.boot`, every page's first import, calls `start_pool`: it imports only hnviz.live, no
torch), so the workers import PyTorch while that page is still importing and drawing, and the
first ▶ does not wait for them (issue 21: 37 s before, on a loaded machine). A daemon thread
releases, every minute, workspaces unseen for longer than `HNVIZ_LIMIT_IDLE_S` (default 10 min;
`hnviz.serve.limits`: their runs are in their files and come back on the next visit, their sweep
is stopped).

Once created, the objects alive then (the imported libraries: torch, plotly, …) are moved out of
the garbage collector's reach (`gc.freeze`), so that the collections Python still runs while
many sessions poll do not walk them holding the GIL (see `.streamlit/config.toml`,
postScriptGC).
"""

from __future__ import annotations

import gc
import threading
from dataclasses import dataclass
from typing import Any

from hnviz.live import make_pool

EVICT_EVERY_S = 60.0


@dataclass(frozen=True, eq=False)
class Services:
    pool: object  # hnviz.live.TrainPool | InlinePool
    workspaces: Any  # hnviz.serve.workspace.Workspaces (imported with torch: lazily)


def _evict_loop(ws) -> None:  # ws: hnviz.serve.workspace.Workspaces
    stop = threading.Event()
    while not stop.wait(EVICT_EVERY_S):
        try:
            ws.evict_idle()
        except Exception:  # noqa: BLE001 - housekeeping must never take the server down
            pass


_LOCK = threading.Lock()
_SERVICES: list[Services] = []
_POOL_LOCK = threading.Lock()
_POOL: list = []  # the process's training pool, once started


def start_pool():
    """The process's training pool, started now if it is not yet (its workers start in the
    background). Cheap and torch-free: every page calls it first (`hnviz.ui.boot`)."""
    with _POOL_LOCK:
        if not _POOL:
            pool = make_pool(on_checkpoint=_on_checkpoint)
            pool.start()
            _POOL.append(pool)
        return _POOL[0]


_WARMED = threading.Event()


def warm_up() -> None:
    """Build the services and parse the bundled demos now (a background thread at start-up:
    `hnviz.ui.boot`), once per process; errors are left to the page that needs them."""
    if _WARMED.is_set():
        return
    _WARMED.set()
    try:
        services()
        from hnviz.serve.demos import demos

        demos()
    except Exception:  # noqa: BLE001 - a warm-up only: the page that needs them will say why
        pass


def _on_checkpoint(run_id: str, owner: str, data: bytes) -> None:
    """The pool's checkpoint callback (its own thread): the workspaces autosave it. Runs are
    only added through the workspaces, so they exist before any checkpoint arrives."""
    if _SERVICES:
        _SERVICES[0].workspaces.on_checkpoint(run_id, owner, data)


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
    # imported here, not at the top: hnviz.ui.boot calls start_pool before torch is imported
    from hnviz.serve.limits import ServerLimits
    from hnviz.serve.userstore import runs_root
    from hnviz.serve.workspace import Workspaces

    pool = start_pool()
    workspaces = Workspaces(runs_root(), lambda: pool, limits=ServerLimits.from_env())
    threading.Thread(target=_evict_loop, args=(workspaces,), daemon=True,
                     name="hnviz-evict-workspaces").start()
    return Services(pool, workspaces)
