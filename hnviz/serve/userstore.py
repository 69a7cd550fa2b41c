"""A user's files on the server: saved runs and autosaves, in a folder of their own.

    <runs dir>/users/<user id>/saved/<slug>.pt      runs the user saved (by name)
    <runs dir>/users/<user id>/autosave/<run>.pt    the latest checkpoint of each live run
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
from dataclasses import dataclass
from pathlib import Path

from hnviz.core.io import STALE_TMP_S, remove_stale_tmp, slugify, write_atomic
from hnviz.paths import runs_dir

MAX_SAVED_RUNS = int(os.environ.get("HNVIZ_MAX_SAVED_RUNS", "100"))
MAX_USER_MB = float(os.environ.get("HNVIZ_MAX_USER_MB", "500"))
MAX_AUTOSAVES = int(os.environ.get("HNVIZ_MAX_AUTOSAVES", "20"))  # newest live runs kept
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.pt$")
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


class StoreError(ValueError):
    """A request the store refuses; the message is meant for the user (one line, no paths)."""


class NameTaken(StoreError):
    pass


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

    def __init__(self, root: str | os.PathLike, token: str):
        if not valid_token(token):
            raise StoreError("invalid user token")
        self.root = Path(root) / "users" / user_id(token)
        self.saved = self.root / "saved"
        self.autosave_dir = self.root / "autosave"
        self.sweeps = self.root / "sweeps"  # sweeps started from the app
        for d in (self.saved, self.autosave_dir):
            remove_stale_tmp(d, STALE_TMP_S)

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
        if not (overwrite and path.exists()) and len(existing) >= MAX_SAVED_RUNS:
            raise StoreError(f"you have {len(existing)} saved runs, the most this server keeps "
                             f"per user (HNVIZ_MAX_SAVED_RUNS={MAX_SAVED_RUNS}); delete some")
        used = self.bytes_used() - (path.stat().st_size if path.exists() else 0)
        if used + len(data) > MAX_USER_MB * 2**20:
            raise StoreError(f"your saved runs would use more than {MAX_USER_MB:g} MB, the most "
                             "this server keeps per user; delete some first")
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

    def bytes_used(self) -> int:
        return sum(f.size for f in _listing(self.saved)) + sum(
            f.size for f in _listing(self.autosave_dir))

    # ------------------------------------------------------------------ autosaves
    def autosave(self, run_id: str, data: bytes) -> None:
        """Latest checkpoint of a live run (overwritten on every call); only the newest
        MAX_AUTOSAVES runs' autosaves are kept (older ones: save them by name to keep them)."""
        write_bytes_atomic(self._path(self.autosave_dir, f"{run_id}.pt"), data)
        for old in self.list_autosaves()[MAX_AUTOSAVES:]:
            self._path(self.autosave_dir, old.name).unlink(missing_ok=True)

    def list_autosaves(self) -> list[StoredFile]:
        return _listing(self.autosave_dir)

    def read_autosave(self, file_name: str) -> bytes:
        return self._path(self.autosave_dir, file_name).read_bytes()

    def drop_autosave(self, run_id: str) -> None:
        self._path(self.autosave_dir, f"{run_id}.pt").unlink(missing_ok=True)


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
