"""Run files: save / load a trained (or half-trained) run.

One file = `torch.save` of a dict with only tensors and plain values:
    {"format": "hnviz-run", "version": 1, "config": <json str>, "history": <json str>,
     "state": Trainer.state_dict(), "meta": <json str>}
Written atomically (`write_atomic`: temp file in the same folder, fsync, os.replace, fsync of
the folder), loaded with
`torch.load(weights_only=True)` so a malicious pickle cannot execute code. Every way a file can be
wrong (not a torch file, truncated, a compressed "zip bomb", someone else's checkpoint, a newer
version, a config that does not validate or exceeds the size limits, state or history that do
not fit the config, tensors of the wrong shape or more of them than the config implies) raises
`RunFileError` with a one-line reason, before anything in the file is inflated
(`run_archive.py`), the run is built or its tensors are loaded (`run_checks.py`).

Also here: `check_output_path` (is a run file path writable? before training, for the CLI's
`--out`) and `remove_stale_tmp` (temp files of killed writes, removed when a run is saved).
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import torch

from . import run_archive
from .config import RunConfig
from .limits import HARD, LIBRARY, Limits
from .run_checks import RunFileError, check_contents, check_declared, check_tensors
from .tasks import TaskSequence
from .trainer import Trainer

__all__ = ["RunFileError", "FORMAT", "VERSION", "STALE_TMP_S", "OutputPathError",
           "check_output_path", "display_name", "load_run", "read_run", "read_run_dict",
           "read_run_header", "remove_stale_tmp", "run_to_bytes", "run_to_dict", "save_run",
           "slugify", "with_meta", "write_atomic"]

FORMAT = "hnviz-run"
VERSION = 1
STALE_TMP_S = 3600.0  # temp files older than this are leftovers of killed writes


def run_to_dict(trainer: Trainer, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """The file's contents; tensors on the CPU whatever device the run trains on, so a run
    trained on a GPU loads anywhere."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "config": json.dumps(trainer.cfg.to_dict()),
        "history": json.dumps(trainer.history),
        "meta": json.dumps(meta or {}),
        "state": _on_cpu(trainer.state_dict()),
    }


def _on_cpu(obj: Any) -> Any:
    """Every tensor in nested dicts / lists moved to the CPU (the same tensor when already)."""
    if isinstance(obj, torch.Tensor):
        return obj.cpu()
    if isinstance(obj, dict):
        return {k: _on_cpu(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_on_cpu(v) for v in obj)
    return obj


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


def remove_stale_tmp(folder: str | os.PathLike, older_than_s: float = STALE_TMP_S) -> int:
    """Delete leftovers of killed run-file writes in `folder` (not recursive): hidden temp files
    `.<name>.pt.<random>.tmp` (what `write_atomic` makes for a .pt file) last modified more than
    `older_than_s` ago. Cheap (one glob); returns how many were removed."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    n = 0
    now = time.time()
    for p in folder.glob(".*.pt.*.tmp"):
        try:
            if p.is_file() and now - p.stat().st_mtime > older_than_s:
                p.unlink()
                n += 1
        except OSError:  # removed meanwhile, or not ours to remove
            pass
    return n


def save_run(trainer: Trainer, path: str | os.PathLike, meta: dict[str, Any] | None = None) -> Path:
    """Write the run to `path` atomically; returns the path. Removes stale temp files of earlier
    killed writes in the same folder (`remove_stale_tmp`)."""
    out = write_atomic(path, lambda f: torch.save(run_to_dict(trainer, meta), f))
    remove_stale_tmp(out.parent)
    return out


class OutputPathError(ValueError):
    """An output path that cannot be written (one line: which path and why)."""


def check_output_path(path: str | os.PathLike, folder: bool = False) -> Path:
    """Check, before any work, that output can be written at `path`: a file (default; as
    `write_atomic` will write it: not a directory, its folder exists and takes new files or can
    be created), or with `folder=True` a folder (e.g. a sweep's: an existing folder that takes
    new files, or one that can be created; not a file). Creates nothing (a probe file in the
    nearest existing folder is removed at once). Returns the path; raises OutputPathError with a
    one-line reason."""
    text = os.fspath(path)
    if not text.strip():
        raise OutputPathError("the output path is empty")
    p = Path(text).expanduser()
    if folder:
        if p.exists() and not p.is_dir():
            raise OutputPathError(f"{text} is a file, not a folder")
        nearest = p
    else:
        if text.endswith(os.sep) or p.is_dir():
            raise OutputPathError(f"{text} is a directory; give a file name, e.g. {p / 'run.pt'}")
        nearest = p.parent
    while not nearest.exists():  # the nearest existing ancestor: the rest can be created
        if nearest.parent == nearest:
            break
        nearest = nearest.parent
    if not nearest.is_dir():
        raise OutputPathError(f"cannot write {text}: {nearest} is a file, not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".hnviz-probe.", dir=nearest)
    except OSError as e:
        raise OutputPathError(f"cannot write {text}: folder {nearest} is not writable "
                              f"({e.strerror or type(e).__name__})") from None
    os.close(fd)
    os.unlink(probe)
    return p


def run_to_bytes(trainer: Trainer, meta: dict[str, Any] | None = None) -> bytes:
    """The same file format in memory (download buttons)."""
    buf = io.BytesIO()
    torch.save(run_to_dict(trainer, meta), buf)
    return buf.getvalue()


def with_meta(data: bytes, limits: Limits = HARD, **changes: Any) -> bytes:
    """The run file `data` with `changes` set in its meta (e.g. name=...), read through the
    same checks as every run file (`read_run_dict`) and written back in the same format."""
    raw = read_run_dict(data, limits)
    raw["meta"].update(changes)
    raw = {**raw, **{k: json.dumps(raw[k]) for k in ("config", "history", "meta")}}
    buf = io.BytesIO()
    torch.save(raw, buf)
    return buf.getvalue()


def display_name(meta: dict[str, Any], config_name: str = "", fallback: str = "") -> str:
    """The name to show for a run file: its meta's "name" (set when saved from the app), else
    the bundled demo's name, else the config's name, else `fallback` (e.g. the file stem)."""
    demo = meta.get("demo") if isinstance(meta.get("demo"), dict) else {}
    return str(meta.get("name") or demo.get("name") or config_name or fallback)


def _skeleton(src: Any, limits: Limits) -> tuple[dict[str, Any], RunConfig]:
    """The file's skeleton (run_archive), checked: format, version, sections, then
    `check_declared` (config, sizes); with the config, admitted under `limits`. Raises
    RunFileError."""
    where = src if isinstance(src, (str, os.PathLike)) else "the file"
    try:
        skel = run_archive.skeleton(run_archive.scan(src))
    except FileNotFoundError:
        raise RunFileError(f"no such file: {where}") from None
    except IsADirectoryError:
        raise RunFileError(f"{where} is a directory, not a run file") from None
    except PermissionError:
        raise RunFileError(f"cannot read {where}: permission denied") from None
    except OSError as e:
        raise RunFileError(f"cannot read {where}: {e.strerror or type(e).__name__}") from None
    if not isinstance(skel, dict) or skel.get("format") != FORMAT:
        raise RunFileError("not an hnviz run file (it is some other PyTorch file)")
    version = skel.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise RunFileError(f"run file version {version!r} is newer than this hnviz "
                           f"(reads up to {VERSION}); update hnviz")
    for key in ("config", "history", "state"):
        if key not in skel:
            raise RunFileError(f"run file is missing its {key!r} section")
    return skel, check_declared(skel, limits)


def _parse_json(raw: dict[str, Any]) -> dict[str, Any]:
    try:
        raw["config"] = json.loads(raw["config"])
        raw["history"] = json.loads(raw["history"])
        raw["meta"] = json.loads(raw.get("meta") or "{}")
    except (TypeError, json.JSONDecodeError) as e:
        raise RunFileError(f"run file metadata is not valid JSON: {e}") from None
    if not isinstance(raw["meta"], dict):
        raise RunFileError("run file meta is not a JSON object")
    return raw


def read_run_header(src: str | os.PathLike | bytes | BinaryIO,
                    limits: Limits = HARD) -> dict[str, Any]:
    """What a run file says about itself without reading a tensor: config, history and meta
    parsed, the state with its scalars and `run_archive.TensorStub`s in place of tensors.
    Checked like `read_run_dict` up to (not including) torch.load; it reads only the archive's
    directory and data.pkl, so listing or drawing a large run costs its history, not its
    weights. Raises RunFileError."""
    if isinstance(src, (bytes, bytearray)):
        src = io.BytesIO(src)
    return _parse_json(_skeleton(src, limits)[0])


def read_run_dict(src: str | os.PathLike | bytes | BinaryIO,
                  limits: Limits = HARD) -> dict[str, Any]:
    """Load the raw dict of a run file, checked before anything in it is inflated: the
    archive's central directory (`run_archive.scan`: stored entries whose declared sizes fit
    the file), data.pkl with tensors as stubs (`run_archive.skeleton`; objects other than
    tensors refused), its format and version, its config against `limits` and the history's
    and tensors' sizes against what that config implies (`run_checks.check_declared`); only
    then `torch.load(weights_only=True)`, whose allocations are now bounded by the file's
    length. Nothing is validated against the built run yet (`run_checks.check_run_dict`,
    `check_tensors`). Raises RunFileError."""
    return _read(src, limits)[0]


def _read(src: str | os.PathLike | bytes | BinaryIO,
          limits: Limits) -> tuple[dict[str, Any], RunConfig]:
    """`read_run_dict`'s raw dict, with its config admitted under `limits` (once)."""
    if isinstance(src, (bytes, bytearray)):
        src = io.BytesIO(src)
    _, cfg = _skeleton(src, limits)
    try:
        raw = torch.load(src, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - checked above; a race or a corrupt storage
        reason = ("it contains Python objects other than tensors (refused for safety)"
                  if "GLOBAL" in str(e) or "Unsupported global" in str(e)
                  else "the PyTorch file is truncated or corrupt")
        raise RunFileError(f"not a readable hnviz run file: {reason}") from None
    return _parse_json(raw), cfg


def read_run(src: str | os.PathLike | bytes | BinaryIO,
             limits: Limits = HARD) -> tuple[dict[str, Any], RunConfig]:
    """`read_run_dict` and its config, checked whole as far as that goes without building the
    run: the config admitted under `limits` (once), the state's scalars and the history's
    structure (`run_checks.check_contents`). Raises RunFileError."""
    raw, cfg = _read(src, limits)
    check_contents(raw, cfg)
    return raw, cfg


def load_run(src: str | os.PathLike | bytes | BinaryIO, seq: TaskSequence | None = None,
             limits: Limits = LIBRARY, device: str | torch.device | None = None
             ) -> tuple[Trainer, dict[str, Any]]:
    """Rebuild the Trainer (ready to continue training, on `device`: see `devices.py`; CPU by
    default, whatever device the run was trained on) and the file's meta dict.

    Checked whole before allocation: the config admitted under `limits` (library limits by
    default; the app passes its own) before anything is built, the state's scalars and the
    history's structure, then every tensor's shape against the freshly built run before loading
    it. The state and history are restored as recorded: nothing is evaluated (files without
    R0, FWT's baseline, get it from the freshly built run, as when it was trained)."""
    raw, cfg = read_run(src, limits)
    trainer = Trainer(cfg, seq, limits=None, device=device,
                      evaluate="R0" not in raw["history"])
    check_tensors(raw["state"], trainer)
    try:
        trainer.load_state_dict(raw["state"])
    except (KeyError, RuntimeError, ValueError, TypeError) as e:  # pragma: no cover - checked
        first = " ".join(str(e).split()) or type(e).__name__
        raise RunFileError(f"run file weights do not match its config: {first[:300]}") from None
    trainer.history.update(raw["history"])
    if "timing" not in raw["history"]:  # written before timing existed: what ran is unmeasured
        done = trainer.task + (trainer.step_in_task > 0)
        trainer.history["timing"] = {"train_s": 0.0, "eval_s": 0.0, "task_train_s": [None] * done}
    return trainer, raw["meta"]
