"""Before a sweep goes to a cluster: does every node import the same hnviz and torch as this client?

A Dask scheduler unpickles the runs' task graph (their function is hnviz's, their arguments hold
hnviz's configs and limits) and the workers train them, so each needs the same hnviz and torch
as the client; so does every node of a Ray cluster. Without this check a missing or different
hnviz shows only as every run `failed` with a deserialization error, or worse, runs that train
with other code. `probe()` runs once on every node: it is pickled *by value*
(`cloudpickle.register_pickle_by_value` on this module, which therefore imports nothing of
hnviz), so it reaches a node that cannot import hnviz at all and says what that node lacks.
`mismatch()` compares the answers with this process's and returns the first difference as one
line naming the node, or None when all agree.
"""

from __future__ import annotations

from typing import Any

PACKAGES = ("hnviz", "torch")
ENGINE = "hnviz.sweeps.one_run"  # what a worker imports to train a run
INSTALL = "pip install 'hnviz[cluster]' (the same wheel or checkout everywhere: docs/SWEEPS.md)"


def probe() -> dict[str, Any]:
    """What the calling process imports: {"python", "host", "hnviz", "torch", "engine"}; a
    package that does not import is None, with the reason under "<name>_error". Standard
    library only: this function is sent to nodes that may have no hnviz."""
    import importlib
    import platform
    import socket

    out: dict[str, Any] = {"python": platform.python_version(), "host": socket.gethostname()}
    for name in (*PACKAGES, ENGINE):
        key = "engine" if name == ENGINE else name
        try:
            mod = importlib.import_module(name)
            out[key] = str(getattr(mod, "__version__", "ok"))
        except Exception as e:  # noqa: BLE001 - reported, not raised: that is the point
            out[key] = None
            out[f"{key}_error"] = " ".join(f"{type(e).__name__}: {e}".split())[:200]
    return out


def by_value(*picklers: Any) -> None:
    """Make the cloudpickle modules given pickle this module's functions by value."""
    import sys

    for cp in picklers:
        cp.register_pickle_by_value(sys.modules[__name__])


def _why(info: dict[str, Any], key: str) -> str:
    return f" ({info[f'{key}_error']})" if info.get(f"{key}_error") else ""


def problem(here: dict[str, Any], info: dict[str, Any] | BaseException) -> str | None:
    """What keeps one node from running this client's runs, or None."""
    want = f"hnviz {here['hnviz']} with torch {here['torch']}"
    if isinstance(info, BaseException) or not isinstance(info, dict):
        err = " ".join(f"{type(info).__name__}: {info}".split())[:200]
        return f"could not run the version check there ({err}); it needs {want}: {INSTALL}"
    if info.get("hnviz") is None:
        return f"cannot import hnviz{_why(info, 'hnviz')}; install {want} there: {INSTALL}"
    if info.get("torch") is None:
        return f"cannot import torch{_why(info, 'torch')}; install {want} there: {INSTALL}"
    if info["hnviz"] != here["hnviz"] or info["torch"] != here["torch"]:
        return (f"has hnviz {info['hnviz']} with torch {info['torch']}, this client {want}: "
                f"{INSTALL}")
    if info.get("engine") is None:
        return (f"imports hnviz {info['hnviz']} but not its sweep code{_why(info, 'engine')}: "
                f"{INSTALL}")
    if info["python"].split(".")[:2] != here["python"].split(".")[:2]:
        return f"runs Python {info['python']}, this client {here['python']}"
    return None


def mismatch(here: dict[str, Any], nodes: dict[str, dict[str, Any] | BaseException]
             ) -> str | None:
    """The first node (in the order given) that cannot run this client's runs, as one line
    "<node> <what is missing>", plus how many other nodes have a problem; None if none."""
    found = [(name, why) for name, info in nodes.items()
             if (why := problem(here, info)) is not None]
    if not found:
        return None
    name, why = found[0]
    more = f" (and {len(found) - 1} more node{'s' * (len(found) > 2)})" if len(found) > 1 else ""
    return f"{name} {why}{more}"
