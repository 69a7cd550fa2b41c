"""A run file's archive checked before anything in it is inflated or loaded.

`torch.save` writes a zip archive: `<prefix>/data.pkl` (the pickled dict, with each tensor as
a reference to a storage) and one entry `<prefix>/data/<key>` of raw bytes per storage, all
stored uncompressed. `torch.load` allocates each entry at the size its central directory
declares and inflates it; a crafted archive whose entry is DEFLATE-compressed declares ~1000×
its own size (a 1 MB "zip bomb" asks for a gigabyte). So before `torch.load` sees a file:

    scan(src) -> Archive         the central directory only (zipfile, nothing decompressed):
                                 every entry stored, not compressed; declared sizes equal to the
                                 bytes the entry occupies; the entries together no larger than
                                 the file; the pickle and the storages where torch puts them
    skeleton(archive) -> dict    data.pkl unpickled with tensors as `TensorStub`s (dtype, shape,
                                 the storage it reads) and every Python object other than dicts
                                 refused; the storages it names must be the archive's entries,
                                 at exactly their sizes

`io.read_run_dict` then checks the config and the sizes the config implies (its tensors' bytes,
its history's length: `run_checks.check_sizes`) and only then calls `torch.load`, whose
allocations are now bounded by the file's own length, which the caller bounded (an upload's
limit; a file on disk is what its owner gave). PyTorch's legacy (non-zip) format, which
allocates each storage at the size its pickle declares, is refused: hnviz never wrote it.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import zipfile
from dataclasses import dataclass
from typing import Any, BinaryIO

import torch

from .errors import RunFileError

ZIP_MAGIC = b"PK\x03\x04"  # torch.save's format (a zip archive)
LEGACY_MAGIC = b"\x80\x02\x8a\x0a"  # torch's legacy format: a pickled magic number first
MAX_ENTRIES = 100_000  # a run's state has at most a few thousand tensors
_STORAGE_DTYPES = {
    "FloatStorage": torch.float32, "DoubleStorage": torch.float64,
    "HalfStorage": torch.float16, "BFloat16Storage": torch.bfloat16,
    "LongStorage": torch.int64, "IntStorage": torch.int32, "ShortStorage": torch.int16,
    "CharStorage": torch.int8, "ByteStorage": torch.uint8, "BoolStorage": torch.bool,
}
SAFETY = "it contains Python objects other than tensors (refused for safety)"


def _fail(reason: str) -> None:
    raise RunFileError(" ".join(reason.split()))


@dataclass(frozen=True)
class Archive:
    """What the central directory says (nothing read beyond it, except `pickle` on demand)."""

    src: Any  # bytes, a path or a seekable binary stream
    size: int  # bytes of the whole file
    prefix: str  # "archive" for torch.save's archives
    storages: dict[str, int]  # storage key -> bytes of its entry
    pickle_bytes: int  # bytes of data.pkl

    def read_pickle(self) -> bytes:
        with _zip(self.src) as z:
            return z.read(f"{self.prefix}/data.pkl")


@dataclass(frozen=True, slots=True)
class TensorStub:
    """A tensor as data.pkl declares it, not loaded: enough to check sizes."""

    dtype: torch.dtype
    shape: tuple[int, ...]
    key: str  # its storage's entry, data/<key>
    numel: int  # elements of that storage

    def nbytes(self) -> int:
        return self.numel * _itemsize(self.dtype)


def _itemsize(dtype: torch.dtype) -> int:
    return torch.empty((), dtype=dtype).element_size()


class _zip:
    """zipfile.ZipFile over bytes, a path or a stream (the stream's position is restored)."""

    def __init__(self, src: Any):
        self.src = src
        self.pos = src.tell() if hasattr(src, "read") else None

    def __enter__(self) -> zipfile.ZipFile:
        f = io.BytesIO(self.src) if isinstance(self.src, (bytes, bytearray)) else self.src
        self.z = zipfile.ZipFile(f)
        return self.z

    def __exit__(self, *exc) -> None:
        self.z.close()
        if self.pos is not None:
            self.src.seek(self.pos)


def file_size(src: Any) -> int:
    if isinstance(src, (bytes, bytearray)):
        return len(src)
    if hasattr(src, "read"):
        pos = src.tell()
        end = src.seek(0, os.SEEK_END)
        src.seek(pos)
        return end - pos
    return os.stat(src).st_size


def head(src: Any, n: int = 8) -> bytes:
    """The first bytes of a file, bytes or binary stream (the stream is rewound)."""
    if isinstance(src, (bytes, bytearray)):
        return bytes(src[:n])
    if hasattr(src, "read"):
        pos = src.tell()
        first = src.read(n)
        src.seek(pos)
        return first
    with open(src, "rb") as f:
        return f.read(n)


def scan(src: str | os.PathLike | bytes | BinaryIO) -> Archive:
    """The archive's central directory checked (see the module docstring). Raises RunFileError;
    OSError (no such file, ...) passes through for the caller to word."""
    first = head(src)
    if not first:
        _fail("not a readable hnviz run file: the file is empty")
    if first.startswith(LEGACY_MAGIC):
        _fail("not an hnviz run file (it is some other PyTorch file, in the legacy format)")
    if not first.startswith(ZIP_MAGIC):
        if first[:1] == b"\x80":  # a bare pickle: never unpickled
            _fail(f"not a readable hnviz run file: {SAFETY}")
        _fail("not a readable hnviz run file: not a PyTorch file")
    size = file_size(src)
    try:
        with _zip(src) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as e:
        if isinstance(e, (FileNotFoundError, IsADirectoryError, PermissionError)):
            raise
        _fail("not a readable hnviz run file: the PyTorch file is truncated or corrupt")
    if len(infos) > MAX_ENTRIES:
        _fail(f"not a readable hnviz run file: its archive has {len(infos)} entries")
    total = 0
    for i in infos:
        if i.compress_type != zipfile.ZIP_STORED:
            _fail("not a readable hnviz run file: its archive holds compressed entries (run "
                  "files are written uncompressed; a compressed one could inflate far beyond "
                  "its size, so it is refused unread)")
        if i.file_size != i.compress_size or i.header_offset + i.compress_size > size:
            _fail("not a readable hnviz run file: its archive declares entries larger than the "
                  "file (truncated or crafted)")
        total += i.file_size
    if total > size:
        _fail("not a readable hnviz run file: its archive's entries add up to more than the "
              "file (crafted)")
    pkl = [i for i in infos if i.filename.endswith("/data.pkl")
           and i.filename.count("/") == 1]
    if len(pkl) != 1:
        _fail("not an hnviz run file (it is some other zip archive)")
    prefix = pkl[0].filename.split("/")[0]
    storages = {}
    for i in infos:
        parts = i.filename.split("/")
        if len(parts) == 3 and parts[0] == prefix and parts[1] == "data":
            storages[parts[2]] = i.file_size
    return Archive(src, size, prefix, storages, pkl[0].file_size)


class _Skeleton(pickle.Unpickler):
    """data.pkl with tensors as TensorStubs: the only globals it resolves are
    collections.OrderedDict, torch's typed storages and torch._utils._rebuild_tensor_v2 (to
    stubs); anything else is refused, never imported or called."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name])
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_stub
        _fail(f"not a readable hnviz run file: {SAFETY}")

    def persistent_load(self, pid: Any) -> Any:
        if (not isinstance(pid, tuple) or len(pid) != 5 or pid[0] != "storage"
                or not isinstance(pid[1], _StorageType) or not isinstance(pid[2], str)
                or not isinstance(pid[4], int) or pid[4] < 0):
            _fail(f"not a readable hnviz run file: {SAFETY}")
        return _StorageRef(pid[1].dtype, pid[2], pid[4])


@dataclass(frozen=True)
class _StorageType:
    dtype: torch.dtype


@dataclass(frozen=True)
class _StorageRef:
    dtype: torch.dtype
    key: str
    numel: int


def _rebuild_stub(storage: Any, offset: Any, size: Any, stride: Any, *rest: Any) -> TensorStub:
    ok = (isinstance(storage, _StorageRef) and isinstance(offset, int)
          and isinstance(size, tuple) and isinstance(stride, tuple) and len(size) == len(stride)
          and all(isinstance(v, int) and v >= 0 for v in (offset, *size, *stride)))
    if not ok:
        _fail("not a readable hnviz run file: a tensor's layout is malformed")
    if all(size):  # the view must lie inside its storage
        last = offset + sum((s - 1) * st for s, st in zip(size, stride))
        if last >= storage.numel:
            _fail("not a readable hnviz run file: a tensor reaches beyond its storage")
    return TensorStub(storage.dtype, tuple(size), storage.key, storage.numel)


def skeleton(archive: Archive) -> Any:
    """data.pkl with TensorStubs (see `_Skeleton`); every storage it names is an entry of the
    archive of exactly numel × itemsize bytes. Raises RunFileError."""
    try:
        obj = _Skeleton(io.BytesIO(archive.read_pickle())).load()
    except RunFileError:
        raise
    except Exception:  # noqa: BLE001 - UnpicklingError, EOFError, TypeError from a stub, ...
        _fail("not a readable hnviz run file: the PyTorch file is truncated or corrupt")
    for stub in stubs(obj):
        have = archive.storages.get(stub.key)
        if have is None or have != stub.nbytes():
            _fail("not a readable hnviz run file: a tensor's storage does not match the "
                  "archive (truncated or crafted)")
    return obj


def stubs(obj: Any) -> list[TensorStub]:
    """Every TensorStub in nested dicts / lists / tuples (each shared container once)."""
    out: list[TensorStub] = []
    seen: set[int] = set()
    stack = [(obj, 0)]
    while stack:
        x, d = stack.pop()
        if isinstance(x, TensorStub):
            out.append(x)
        elif isinstance(x, (dict, list, tuple)) and id(x) not in seen:
            if d > 32:
                _fail("not a readable hnviz run file: its structure is nested too deeply")
            seen.add(id(x))
            items = x.values() if isinstance(x, dict) else x
            stack.extend((v, d + 1) for v in items)
    return out


def tensor_bytes(obj: Any) -> int:
    """Bytes of the distinct storages the skeleton's tensors read."""
    return sum({s.key: s.nbytes() for s in stubs(obj)}.values())
