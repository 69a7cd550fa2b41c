"""The sizes a user of the app may ask for (form widgets and links use the same bounds).

Each is a setting of the server (environment variable, read on every call so tests can change
it); the config validation in the library enforces its own limits on top.
"""

from __future__ import annotations

import os


def _env(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


def max_iters() -> int:
    return _env("HNVIZ_LIMIT_MAX_ITERS", 20_000)


def max_tasks() -> int:
    return _env("HNVIZ_LIMIT_MAX_TASKS", 100)


def max_emb_dim() -> int:
    return _env("HNVIZ_LIMIT_MAX_EMB_DIM", 256)


def max_width() -> int:
    return _env("HNVIZ_LIMIT_MAX_WIDTH", 1024)


def max_chunk_size() -> int:
    return _env("HNVIZ_LIMIT_MAX_CHUNK_SIZE", 20_000)


def max_layers() -> int:
    return _env("HNVIZ_LIMIT_MAX_LAYERS", 6)
