"""Run files: save / load a trained (or half-trained) run.

One file = `torch.save` of a dict with only tensors and plain values:
    {"format": "hnviz-run", "version": 1, "config": <json str>, "history": <json str>,
     "state": Trainer.state_dict(), "meta": <json str>}
Written atomically (`write_atomic`: temp file in the same folder, fsync, os.replace, fsync of
the folder), loaded with
`torch.load(weights_only=True)` so a malicious pickle cannot execute code. Every way a file can be
wrong (not a torch file, truncated, someone else's checkpoint, a newer version, a config that does
not validate, tensors of the wrong shape) raises `RunFileError` with a one-line reason.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import torch

from .config import ConfigError, RunConfig
from .tasks import TaskSequence
from .trainer import Trainer

FORMAT = "hnviz-run"
VERSION = 1


class RunFileError(ValueError):
    """A run file that cannot be loaded; the message says why, in one line."""


def run_to_dict(trainer: Trainer, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "config": json.dumps(trainer.cfg.to_dict()),
        "history": json.dumps(trainer.history),
        "meta": json.dumps(meta or {}),
        "state": trainer.state_dict(),
    }


def slugify(name: str, max_len: int = 80, empty: str = "run") -> str:
    """A safe file (or folder) stem from a name ('HNET β=0.005 · test' -> 'HNET-0.005-test'),
    at most `max_len` characters; `empty` when nothing usable is left."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-._")
    return slug[:max_len] or empty


def write_atomic(path: str | os.PathLike, write: Callable[[BinaryIO], Any],
                 overwrite: bool = True) -> Path:
    """Write a file so that readers see the old or the new content, never a part, even after a
    crash: `write(f)` fills a temp file in the same folder, which is fsynced, renamed over `path`,
    and the folder fsynced (so the rename itself is on disk). Creates the folder; returns path.

    overwrite=False makes it an atomic "create if absent": the finished temp file is hard-linked
    to `path`, which raises FileExistsError (and leaves the existing file alone) if it exists."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    _fsync_dir(path.parent)
    return path


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. platforms that cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_run(trainer: Trainer, path: str | os.PathLike, meta: dict[str, Any] | None = None) -> Path:
    """Write the run to `path` atomically; returns the path."""
    return write_atomic(path, lambda f: torch.save(run_to_dict(trainer, meta), f))


def run_to_bytes(trainer: Trainer, meta: dict[str, Any] | None = None) -> bytes:
    """The same file format in memory (download buttons)."""
    buf = io.BytesIO()
    torch.save(run_to_dict(trainer, meta), buf)
    return buf.getvalue()


def display_name(meta: dict[str, Any], config_name: str = "", fallback: str = "") -> str:
    """The name to show for a run file: its meta's "name" (set when saved from the app), else
    the bundled demo's name, else the config's name, else `fallback` (e.g. the file stem)."""
    demo = meta.get("demo") if isinstance(meta.get("demo"), dict) else {}
    return str(meta.get("name") or demo.get("name") or config_name or fallback)


def read_run_dict(src: str | os.PathLike | bytes | BinaryIO) -> dict[str, Any]:
    """Load and validate the raw dict (no model built). Raises RunFileError."""
    try:
        if isinstance(src, (bytes, bytearray)):
            src = io.BytesIO(src)
        raw = torch.load(src, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise RunFileError(f"no such file: {src}") from None
    except Exception as e:  # UnpicklingError, RuntimeError (zip), EOFError, ...
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if "weights_only" in str(e) or "Unsupported global" in str(e):
            reason = "it contains Python objects other than tensors (refused for safety)"
        raise RunFileError(f"not a readable hnviz run file: {reason[:200]}") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise RunFileError("not an hnviz run file (it is some other PyTorch file)")
    version = raw.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise RunFileError(f"run file version {version!r} is newer than this hnviz "
                           f"(reads up to {VERSION}); update hnviz")
    for key in ("config", "history", "state"):
        if key not in raw:
            raise RunFileError(f"run file is missing its {key!r} section")
    try:
        raw["config"] = json.loads(raw["config"])
        raw["history"] = json.loads(raw["history"])
        raw["meta"] = json.loads(raw.get("meta") or "{}")
    except (TypeError, json.JSONDecodeError) as e:
        raise RunFileError(f"run file metadata is not valid JSON: {e}") from None
    return raw


def load_run(src: str | os.PathLike | bytes | BinaryIO,
             seq: TaskSequence | None = None) -> tuple[Trainer, dict[str, Any]]:
    """Rebuild the Trainer (ready to continue training) and the file's meta dict."""
    raw = read_run_dict(src)
    try:
        cfg = RunConfig.from_dict(raw["config"])
    except ConfigError as e:
        raise RunFileError(f"run file has an invalid config: {e}") from None
    trainer = Trainer(cfg, seq)
    try:
        trainer.load_state_dict(raw["state"])
    except (KeyError, RuntimeError, ValueError, TypeError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise RunFileError(f"run file weights do not match its config: {first[:200]}") from None
    hist = raw["history"]
    if not isinstance(hist, dict) or "R" not in hist:
        raise RunFileError("run file history is malformed")
    trainer.history.update(hist)
    return trainer, raw["meta"]
