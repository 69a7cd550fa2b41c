"""CIFAR-10 / CIFAR-100 read from torchvision's files on disk, and the Split CIFAR-10/100 benchmark.

Layout under the data root (what `torchvision.datasets.CIFAR10/CIFAR100(root, download=True)`
extract; the same as the "python version" archives on the CIFAR web page):
  <root>/cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta}
  <root>/cifar-100-python/{train, test, meta}
Each file is a pickled dict: b'data' uint8 [N, 3072] (channel-first rows: 1024 red, 1024 green,
1024 blue pixels of a 32×32 image), b'labels' (CIFAR-10) or b'fine_labels' (CIFAR-100) lists of
ints; the meta files hold b'label_names' / b'fine_label_names'. Keys may be bytes (the original
Python 2 pickles) or str.

The pickles are read by an unpickler that only builds what these files contain (dicts, lists,
strings, bytes, ints and numpy arrays); anything else (e.g. a pickle that would call os.system) is
refused with `UnsafePickleError` before it runs. torchvision's md5 checks are not the gate: any
file in this format loads (tests write tiny ones). Nothing is downloaded. Loads are cached
in-process, keyed by folder and file modification times.
"""

from __future__ import annotations

import codecs
import functools
import os
import pickle
from dataclasses import dataclass

import numpy as np
import torch

from .datasets_torchvision import DataUnavailableError, resolve_data_root
from .tasks import Task, TaskSequence

FOLDERS = {"CIFAR10": "cifar-10-batches-py", "CIFAR100": "cifar-100-python"}
FILES = {
    "CIFAR10": ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5",
                "test_batch", "batches.meta"),
    "CIFAR100": ("train", "test", "meta"),
}
PIXELS = 3 * 32 * 32
# Per-channel mean and std of CIFAR-10's training pixels in [0, 1] (the usual constants); one
# fixed normalization for every task, so it does not depend on the subset drawn.
CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)
N_SPLIT_TASKS = 6  # CIFAR-10, then CIFAR-100 classes 0-9, 10-19, ..., 40-49
CLASSES_PER_TASK = 10


class UnsafePickleError(DataUnavailableError):
    """A data file asks the unpickler for something CIFAR files never contain."""


@dataclass(frozen=True)
class CifarData:
    """One CIFAR dataset's official split (read-only numpy arrays)."""

    x_train: np.ndarray  # [N, 3072] uint8
    y_train: np.ndarray  # [N] int64
    x_test: np.ndarray  # [M, 3072] uint8
    y_test: np.ndarray  # [M] int64
    class_names: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# Restricted unpickling


def _latin1_bytes(text: str, encoding: str = "latin1") -> bytes:
    """What Python 3 pickles of bytes at protocol <= 2 call (`_codecs.encode(text, 'latin1')`)."""
    if not isinstance(text, str) or codecs.lookup(encoding).name != "iso8859-1":
        raise pickle.UnpicklingError("_codecs.encode is only allowed for latin-1 text")
    return text.encode("latin1")


def _allowed_globals() -> dict[tuple[str, str], object]:
    """The only callables/classes a CIFAR pickle may name: numpy array reconstruction (under its
    numpy 1 and numpy 2 module names) and bytes. Functions are fresh wrappers per load, so a
    pickle that sets attributes on what it gets (BUILD) changes nothing outside that load."""
    reconstruct = np.zeros(1).__reduce__()[0]  # numpy's ndarray rebuild function
    frombuffer = np.zeros(1).__reduce_ex__(5)[0]  # protocol-5 variant
    allowed: dict[tuple[str, str], object] = {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("_codecs", "encode"): lambda text, encoding="latin1": _latin1_bytes(text, encoding),
        ("builtins", "bytes"): bytes,
        ("__builtin__", "bytes"): bytes,
    }
    for mod in ("numpy.core.multiarray", "numpy._core.multiarray"):
        allowed[(mod, "_reconstruct")] = lambda *a: reconstruct(*a)
    for mod in ("numpy.core.numeric", "numpy._core.numeric"):
        allowed[(mod, "_frombuffer")] = lambda *a: frombuffer(*a)
    return allowed


class _CifarUnpickler(pickle.Unpickler):
    def __init__(self, f, path: str):
        super().__init__(f, encoding="latin1")  # Python 2 str -> str, as torchvision reads them
        self.path = path
        self.allowed = _allowed_globals()

    def find_class(self, module: str, name: str):
        try:
            return self.allowed[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"refusing to unpickle {self.path}: it asks for {module}.{name}, but CIFAR files "
                f"hold only dicts, lists, strings, bytes, ints and numpy arrays") from None

    def persistent_load(self, pid):
        raise UnsafePickleError(f"refusing to unpickle {self.path}: persistent ids are not allowed")


def safe_unpickle(path: str) -> object:
    """Load a pickle that may contain only dicts, lists, str, bytes, ints, floats and numpy
    arrays; raises UnsafePickleError (a DataUnavailableError) for anything else."""
    try:
        with open(path, "rb") as f:
            return _CifarUnpickler(f, path).load()
    except UnsafePickleError:
        raise
    except (OSError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError,
            pickle.UnpicklingError) as e:
        raise DataUnavailableError(
            _one_line(f"could not read {path} as a CIFAR pickle ({type(e).__name__}: {e}); "
                      f"replace the file")) from e


# ---------------------------------------------------------------------------------------------
# Files -> arrays


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _hint(dataset: str) -> str:
    return (f"get it with torchvision.datasets.{dataset}(root, download=True) on a machine with "
            f"internet, or copy the extracted {FOLDERS[dataset]} folder there")


def missing_reason(dataset: str, data_root: str | None = None) -> str | None:
    """Why `dataset` ("CIFAR10" | "CIFAR100") cannot be loaded (one line), or None. Cheap: only
    checks that the files exist."""
    if dataset not in FOLDERS:
        raise ValueError(f"unknown CIFAR dataset {dataset!r}; expected one of {tuple(FOLDERS)}")
    root = resolve_data_root(data_root)
    folder = os.path.join(root, FOLDERS[dataset])
    missing = [f for f in FILES[dataset] if not os.path.isfile(os.path.join(folder, f))]
    if not missing:
        return None
    return _one_line(f"{dataset} not found under {root} (expected {os.path.join(folder, missing[0])}"
                     f"); {_hint(dataset)}")


def _key(d: dict, name: str, path: str):
    """d[b'name'] or d['name'] (original Python 2 pickles have bytes keys)."""
    for k in (name, name.encode()):
        if k in d:
            return d[k]
    raise DataUnavailableError(f"{path} is not a CIFAR file: no {name!r} entry")


def _text(s) -> str:
    return s.decode("latin1") if isinstance(s, bytes) else str(s)


def _batch(path: str, label_key: str) -> tuple[np.ndarray, np.ndarray]:
    """One batch file -> (x [N, 3072] uint8, y [N] int64)."""
    d = safe_unpickle(path)
    if not isinstance(d, dict):
        raise DataUnavailableError(f"{path} is not a CIFAR file: expected a dict, got "
                                   f"{type(d).__name__}")
    x = np.asarray(_key(d, "data", path))
    y = np.asarray(_key(d, label_key, path))
    if x.dtype != np.uint8 or x.ndim != 2 or x.shape[1] != PIXELS:
        raise DataUnavailableError(f"{path} is not a CIFAR file: 'data' is {x.dtype} "
                                   f"{list(x.shape)}, expected uint8 [N, {PIXELS}]")
    if y.ndim != 1 or y.shape[0] != x.shape[0] or not np.issubdtype(y.dtype, np.integer):
        raise DataUnavailableError(f"{path} is not a CIFAR file: {label_key!r} must hold "
                                   f"{x.shape[0]} integer labels")
    return x, y.astype(np.int64)


def _names(path: str, key: str) -> tuple[str, ...]:
    d = safe_unpickle(path)
    if not isinstance(d, dict):
        raise DataUnavailableError(f"{path} is not a CIFAR meta file")
    return tuple(_text(s) for s in _key(d, key, path))


def _stamp(folder: str, names: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(os.stat(os.path.join(folder, n)).st_mtime_ns for n in names)


def load_cifar(dataset: str, data_root: str | None = None) -> CifarData:
    """The official train/test split of "CIFAR10" or "CIFAR100" (fine labels) from the data root
    (`data_root`, else $HNVIZ_DATA, else ./data). Cached; do not modify the arrays."""
    reason = missing_reason(dataset, data_root)
    if reason is not None:
        raise DataUnavailableError(reason)
    folder = os.path.join(resolve_data_root(data_root), FOLDERS[dataset])
    return _load_cached(dataset, folder, _stamp(folder, FILES[dataset]))


@functools.lru_cache(maxsize=4)
def _load_cached(dataset: str, folder: str, stamp: tuple[int, ...]) -> CifarData:
    f = functools.partial(os.path.join, folder)
    if dataset == "CIFAR10":
        parts = [_batch(f(n), "labels") for n in FILES["CIFAR10"][:5]]
        x_tr = np.concatenate([p[0] for p in parts])
        y_tr = np.concatenate([p[1] for p in parts])
        x_te, y_te = _batch(f("test_batch"), "labels")
        names = _names(f("batches.meta"), "label_names")
    else:
        x_tr, y_tr = _batch(f("train"), "fine_labels")
        x_te, y_te = _batch(f("test"), "fine_labels")
        names = _names(f("meta"), "fine_label_names")
    for y, split in ((y_tr, "train"), (y_te, "test")):
        if y.size and (y.min() < 0 or y.max() >= len(names)):
            raise DataUnavailableError(f"{dataset} {split} labels under {folder} exceed the "
                                       f"{len(names)} class names of its meta file")
    for a in (x_tr, y_tr, x_te, y_te):
        a.flags.writeable = False
    return CifarData(x_tr, y_tr, x_te, y_te, names)


# ---------------------------------------------------------------------------------------------
# Split CIFAR-10/100


def normalize(x: np.ndarray) -> torch.Tensor:
    """uint8 [N, 3072] -> float32 [N, 3072]: per channel c, (x / 255 − mean_c) / std_c with
    CIFAR-10's training statistics (CIFAR_MEAN, CIFAR_STD)."""
    t = torch.from_numpy(x.astype(np.float32)).div_(255.0).reshape(-1, 3, 1024)  # a copy
    mean = torch.tensor(CIFAR_MEAN).reshape(1, 3, 1)
    std = torch.tensor(CIFAR_STD).reshape(1, 3, 1)
    return t.sub_(mean).div_(std).reshape(-1, PIXELS)


def _per_class(y: np.ndarray, classes: range, keep: int | None, seed: int, tag: int) -> np.ndarray:
    """Sorted row indices of `classes`; with `keep`, at most `keep` rows per class drawn without
    replacement from a stream seeded by (seed, tag, class) alone."""
    rows = []
    for c in classes:
        idx = np.flatnonzero(y == c)
        if keep is not None and keep < len(idx):
            idx = np.sort(np.random.default_rng([seed % 2**32, tag, c]).permutation(idx)[:keep])
        rows.append(idx)
    return np.sort(np.concatenate(rows)) if rows else np.zeros(0, dtype=np.int64)


def _check_count(name: str, value: int | None) -> int | None:
    if value is None:
        return None
    if int(value) != value or int(value) < 1:
        raise ValueError(f"{name} must be a positive number of images per class (got {value})")
    return int(value)


def split_cifar(data_root: str | None = None, n_tasks: int = N_SPLIT_TASKS,
                subset: int | None = None, seed: int = 0,
                test_subset: int | None = None) -> TaskSequence:
    """Split CIFAR-10/100 (von Oswald et al. 2020, after Zenke et al. 2017).

    Task 1 is all of CIFAR-10 (10 classes); task t = 2..6 is CIFAR-100 classes 10(t−2) ..
    10(t−2)+9, i.e. the first 50 CIFAR-100 classes in 5 splits of 10. Labels are local 0..9 per
    task; global label = class_offsets[t] + local, with CIFAR-10 classes 0..9 and CIFAR-100
    class c -> 10 + c (class_names in that order, from the meta files).

    subset / test_subset: keep at most that many training / test images per class (deterministic,
    drawn from `seed` per class; None = all). x: [N, 3072] float32 channel-first, normalized per
    channel (see `normalize`); y: [N] int64; input_shape (3, 32, 32).
    """
    n_tasks = int(n_tasks)
    if not 1 <= n_tasks <= N_SPLIT_TASKS:
        raise ValueError(f"split-cifar has 1..{N_SPLIT_TASKS} tasks (got {n_tasks})")
    subset, test_subset = _check_count("subset", subset), _check_count("test_subset", test_subset)
    c10 = load_cifar("CIFAR10", data_root)
    c100 = load_cifar("CIFAR100", data_root) if n_tasks > 1 else None
    if c100 is not None and len(c100.class_names) < CLASSES_PER_TASK * (N_SPLIT_TASKS - 1):
        raise DataUnavailableError("CIFAR-100's meta file names fewer than 50 classes")
    tasks, names = [], list(c10.class_names[:CLASSES_PER_TASK])
    for t in range(n_tasks):
        data, first = (c10, 0) if t == 0 else (c100, CLASSES_PER_TASK * (t - 1))
        classes = range(first, first + CLASSES_PER_TASK)
        tr = _per_class(data.y_train, classes, subset, seed, 2 * t)
        te = _per_class(data.y_test, classes, test_subset, seed, 2 * t + 1)
        offset = CLASSES_PER_TASK * t
        label = "CIFAR-10" if t == 0 else f"CIFAR-100 classes {first}-{first + 9}"
        if t > 0:
            names += data.class_names[first:first + CLASSES_PER_TASK]
        tasks.append(Task(label, normalize(data.x_train[tr]),
                          torch.from_numpy(data.y_train[tr] - first),
                          normalize(data.x_test[te]), torch.from_numpy(data.y_test[te] - first),
                          classes=tuple(range(offset, offset + CLASSES_PER_TASK))))
    return TaskSequence("split-cifar", "classification", tuple(tasks), PIXELS, CLASSES_PER_TASK,
                        tuple(CLASSES_PER_TASK * t for t in range(n_tasks)), (3, 32, 32),
                        tuple(names))


# ---------------------------------------------------------------------------------------------
# The registry entry's hooks (benchmarks.py): builder, availability, download, sizes

# Images per class in the official splits: CIFAR-10 (train, test), CIFAR-100 (train, test)
PER_CLASS = {"CIFAR10": (5000, 1000), "CIFAR100": (500, 100)}
FILE_ROWS = {"CIFAR10": 60_000, "CIFAR100": 60_000}  # images in each data set's files


def split_cifar_tasks(cfg, n_tasks: int) -> TaskSequence:
    """The `split-cifar` builder: `split_cifar` from cfg (a TaskConfig): its data root (fetched
    first when `download` is set and files are missing), `subset` images per class for training
    AND testing (None: all), and seed."""
    if cfg.download and missing_split(cfg.data_root, n_tasks) is not None:
        download(cfg.data_root, n_tasks)
    return split_cifar(cfg.data_root, n_tasks, subset=cfg.subset, seed=cfg.seed,
                       test_subset=cfg.subset)


def _datasets(n_tasks: int) -> tuple[str, ...]:
    return ("CIFAR10", "CIFAR100") if n_tasks > 1 else ("CIFAR10",)


def missing_split(data_root: str | None = None, n_tasks: int = N_SPLIT_TASKS) -> str | None:
    """Why Split CIFAR-10/100 cannot be built from the data root (one line), or None. Cheap."""
    for dataset in _datasets(n_tasks):
        reason = missing_reason(dataset, data_root)
        if reason is not None:
            return reason
    return None


def download(data_root: str | None = None, n_tasks: int = N_SPLIT_TASKS) -> None:
    """Fetch the data sets the split needs through torchvision (needs internet and torchvision;
    torchvision checks the archive's md5 here, the loader never does). DataUnavailableError in one
    line on any failure."""
    root = resolve_data_root(data_root)
    for dataset in _datasets(n_tasks):
        if missing_reason(dataset, root) is None:
            continue
        try:
            import torchvision.datasets as tvd

            getattr(tvd, dataset)(root, train=True, download=True)
        except Exception as e:  # noqa: BLE001 - any failure here means "no data"
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise DataUnavailableError(_one_line(
                f"{dataset} download into {root} failed ({first}); copy the extracted "
                f"{FOLDERS[dataset]} folder there from a machine with internet")) from e


def split_sizes(subset: int | None, n_tasks: int) -> tuple[int, int, int]:
    """(training images, test images, bytes of the files' uint8 images kept in memory) of
    Split CIFAR with `subset` images per class and n_tasks tasks: arithmetic for the memory
    estimate (`sizes.memory_estimate`), nothing read."""
    rows = [0, 0]
    for t in range(n_tasks):
        per_class = PER_CLASS["CIFAR10" if t == 0 else "CIFAR100"]
        for i in range(2):
            rows[i] += CLASSES_PER_TASK * (per_class[i] if subset is None
                                           else min(subset, per_class[i]))
    kept = sum(FILE_ROWS[d] for d in _datasets(n_tasks)) * PIXELS  # load_cifar's cache
    return rows[0], rows[1], kept
