"""A user's files on the server: saved runs, their runs' files and sweeps, in a folder of
their own.

    <runs dir>/users/<user id>/saved/<slug>.pt      runs the user saved (by name)
    <runs dir>/users/<user id>/autosave/<run>.pt    the latest state of each run in the user's
                                                    list: live runs' checkpoints, uploads,
                                                    loaded files (never kept in server memory)
    <runs dir>/users/<user id>/sweeps/<name>/       sweeps the user started from the app

The user id is a hash of the browser's token, so tokens never appear on disk and one user's id
tells nothing about another's. Everything a user can touch is addressed by a file NAME inside
their own folder, never by a path: a name with a separator, `..`, or any other user's file is
refused. Saving under a name that exists never overwrites silently: the write is an exclusive
create (a hard link of the finished temp file), so two tabs saving the same name at once get one
"saved" and one "name taken", never a lost run. Sizes are bounded per user (run count, bytes).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from hnviz.core.io import STALE_TMP_S, remove_stale_tmp, slugify, write_atomic
from hnviz.paths import runs_dir

from .limits import ServerLimits, env_name

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.pt$")
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


class StoreError(ValueError):
    """A request the store refuses; the message is meant for the user (one line, no paths)."""


class NameTaken(StoreError):
    pass


class OverBudget(StoreError):
    """A write that would pass the user's or the server's disk budget."""


def tree_bytes(folder: Path) -> int:
    """Bytes of every file under `folder` (hidden temp files included); 0 if it is missing."""
    total = 0
    stack = [folder]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:  # missing, or removed meanwhile
            continue
        for e in entries:
            try:
                if e.is_dir(follow_symlinks=False):
                    stack.append(Path(e.path))
                elif e.is_file(follow_symlinks=False):
                    total += e.stat(follow_symlinks=False).st_size
            except OSError:
                pass
    return total


class DiskUsage:
    """What every user's folder takes together (one per server): measured by walking the users'
    folder at most every `ttl_s`, and charged with each write in between, so writes from many
    threads cannot pass the cap together by much."""

    def __init__(self, root: str | os.PathLike, cap_mb: float, ttl_s: float = 10.0):
        self.root = Path(root) / "users"
        self.cap = int(cap_mb * 2**20)
        self.cap_mb = cap_mb
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._total = 0
        self._at = -1e18

    def total(self) -> int:
        with self._lock:
            if time.monotonic() - self._at > self.ttl_s:
                self._total, self._at = tree_bytes(self.root), time.monotonic()
            return self._total

    def reserve(self, extra: int) -> None:
        """Room for `extra` more bytes, charged until the next measurement, or OverBudget
        naming the server's limit."""
        if extra <= 0:
            return
        self.check(extra)
        with self._lock:
            self._total += extra

    def check(self, extra: int) -> None:
        """OverBudget (naming the server's limit) unless `extra` more bytes fit; charges
        nothing."""
        if extra > 0 and self.total() + extra > self.cap:
            raise OverBudget(
                f"the server's disk space for runs is full ({env_name('disk_mb')}="
                f"{self.cap_mb:g} MB for all users together); it frees up when runs are "
                "deleted: delete some of yours, or ask whoever runs this server")


def runs_root() -> Path:
    """Where every user's folder lives: `hnviz.paths.runs_dir()` ($HNVIZ_RUNS_DIR, else runs/
    in the checkout, $HNVIZ_HOME or the user's data folder)."""
    return runs_dir()


def valid_token(token: str | None) -> bool:
    return isinstance(token, str) and _TOKEN_RE.match(token) is not None


def user_id(token: str) -> str:
    """Stable, non-reversible folder name for a user token."""
    return hashlib.sha256(token.encode()).hexdigest()[:24]


def write_bytes_atomic(path: Path, data: bytes, overwrite: bool = True) -> None:
    write_atomic(path, lambda f: f.write(data), overwrite=overwrite)


@dataclass(frozen=True)
class StoredFile:
    name: str  # file name inside the user's folder (what the UI passes back)
    size: int
    mtime: float


class UserStore:
    """One user's saved runs and autosaves (see the module docstring)."""

    def __init__(self, root: str | os.PathLike, token: str,
                 limits: ServerLimits | None = None, disk: DiskUsage | None = None):
        if not valid_token(token):
            raise StoreError("invalid user token")
        self.limits = limits or ServerLimits.from_env()
        self.disk = disk
        self.root = Path(root) / "users" / user_id(token)
        self.saved = self.root / "saved"
        self.autosave_dir = self.root / "autosave"
        self.sweeps = self.root / "sweeps"  # sweeps started from the app
        for d in (self.saved, self.autosave_dir):
            remove_stale_tmp(d, STALE_TMP_S)

    # ------------------------------------------------------------------ budget
    def bytes_used(self) -> int:
        """Everything the user's folder holds: saved runs, run files, sweeps, temp files."""
        return tree_bytes(self.root)

    def reserve(self, extra: int, replacing: int = 0) -> None:
        """Room for a write of `extra` bytes that replaces `replacing` bytes, within the user's
        budget and the server's disk; OverBudget (a StoreError naming the limit) if not."""
        self.check_room(extra, replacing)
        if self.disk is not None:
            self.disk.reserve(extra - replacing)

    def check_room(self, extra: int, replacing: int = 0) -> None:
        """`reserve`'s check without charging the server's disk: a new run checks the file it
        will write (its checkpoints come later, from its worker)."""
        cap = self.limits.user_mb * 2**20
        if self.bytes_used() - replacing + extra > cap:
            raise OverBudget(
                f"your files on this server would pass {self.limits.user_mb:g} MB, the most one "
                f"user keeps ({env_name('user_mb')}; saved runs, your runs' files and sweeps "
                "count); delete saved runs, remove runs or sweeps you no longer need")
        if self.disk is not None:
            self.disk.check(extra - replacing)

    # ------------------------------------------------------------------ names
    @staticmethod
    def file_name(name: str) -> str:
        return f"{slugify(name)}.pt"

    def _path(self, folder: Path, file_name: str) -> Path:
        if not isinstance(file_name, str) or not _NAME_RE.match(file_name):
            raise StoreError(f"not a run file name: {file_name!r}")
        return folder / file_name

    # ------------------------------------------------------------------ saved runs
    def list_saved(self) -> list[StoredFile]:
        """The user's saved runs, newest first."""
        return _listing(self.saved)

    def save(self, name: str, data: bytes, overwrite: bool = False) -> str:
        """Save run-file bytes under `name`; returns the file name. Raises NameTaken when a run
        of that name exists and overwrite is False, StoreError when over the user's quota."""
        file_name = self.file_name(name)
        path = self._path(self.saved, file_name)
        existing = self.list_saved()
        most = self.limits.saved_runs
        if not (overwrite and path.exists()) and len(existing) >= most:
            raise StoreError(f"you have {len(existing)} saved runs, the most this server keeps "
                             f"per user ({env_name('saved_runs')}={most}); delete some")
        self.reserve(len(data), _size(path) if overwrite else 0)
        try:
            write_bytes_atomic(path, data, overwrite=overwrite)
        except FileExistsError:
            raise NameTaken(f"a saved run named {file_name[:-3]!r} exists already; choose "
                            "another name or confirm overwriting it") from None
        return file_name

    def read(self, file_name: str) -> bytes:
        path = self._path(self.saved, file_name)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise StoreError(f"no saved run {file_name!r} (deleted in another tab?)") from None

    def delete(self, file_name: str) -> None:
        self._path(self.saved, file_name).unlink(missing_ok=True)

    # ------------------------------------------------------------------ autosaves
    def autosave(self, run_id: str, data: bytes) -> Path:
        """The latest state of run `run_id` of the user's list (a live run's checkpoint, an
        upload, a loaded file), overwritten on every call; returns its path. OverBudget when it
        does not fit (the previous state stays)."""
        path = self._path(self.autosave_dir, f"{run_id}.pt")
        self.reserve(len(data), _size(path))
        write_bytes_atomic(path, data)
        return path

    def run_file(self, run_id: str) -> Path:
        return self._path(self.autosave_dir, f"{run_id}.pt")

    def list_autosaves(self) -> list[StoredFile]:
        return _listing(self.autosave_dir)

    def read_autosave(self, file_name: str) -> bytes:
        return self._path(self.autosave_dir, file_name).read_bytes()

    def drop_autosave(self, run_id: str) -> None:
        self._path(self.autosave_dir, f"{run_id}.pt").unlink(missing_ok=True)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _listing(folder: Path) -> list[StoredFile]:
    if not folder.is_dir():
        return []
    out = []
    for p in folder.glob("*.pt"):
        try:
            st = p.stat()
        except OSError:  # deleted meanwhile
            continue
        out.append(StoredFile(p.name, st.st_size, st.st_mtime))
    return sorted(out, key=lambda f: f.mtime, reverse=True)
