"""The extras hook: a module-level function, named by a dotted path, that a worker calls at every
publish to send derived data (e.g. the current function curves) along with the history delta.

Contract: `"package.module:function"` (or `"package.module.function"`); the function takes the
live `Trainer` (read it, never train or mutate it), returns plain picklable data (dicts, lists,
numbers, strings, numpy arrays) and should cost well under a slice (~10 ms): it runs in the
worker between slices, at most every `publish_s` per run. If it raises, the update carries
`extras=None` and `extras_error` (one line), and training goes on.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def resolve(path: str) -> Callable[[Any], Any]:
    """The function a dotted path names; ValueError with a one-line reason otherwise."""
    if not isinstance(path, str) or not path.strip():
        raise ValueError(f"extras must be a dotted path 'module:function', got {path!r}")
    module, sep, name = path.partition(":")
    if not sep:
        module, _, name = path.rpartition(".")
    if not module or not name:
        raise ValueError(f"extras must be a dotted path 'module:function', got {path!r}")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as e:
        raise ValueError(f"extras function {path!r} not found: {e}") from None
    if not callable(fn):
        raise ValueError(f"extras {path!r} is not a function")
    return fn


def call(fn: Callable[[Any], Any] | None, trainer: Any) -> tuple[Any, str | None]:
    """(extras, error line): the hook's result, or None and why it failed."""
    if fn is None:
        return None, None
    try:
        return fn(trainer), None
    except Exception as e:  # a broken hook must not stop training
        text = str(e).strip().splitlines()[0] if str(e).strip() else ""
        return None, f"{type(e).__name__}: {text}"[:300]
