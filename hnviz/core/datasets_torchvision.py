"""MNIST-family files on disk, read through torchvision's dataset classes.

Layout (what `torchvision.datasets.MNIST` / `FashionMNIST` expect):
  <root>/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte          (uncompressed IDX)
  <root>/FashionMNIST/raw/...                                               (same names)
A `.gz` next to a missing uncompressed file is unpacked in place before loading (torchvision's
`_check_exists` only looks for the uncompressed names). torchvision's legacy
`<root>/<Dataset>/processed/{training,test}.pt` also counts as present.

The root is `data_root`, else `$HNVIZ_DATA`, else data/ in `hnviz.paths.home()` (`data_dir()`). Nothing is downloaded unless asked;
missing or unreadable data raises `DataUnavailableError` with a one-line message. torchvision is
imported lazily, so checking availability stays cheap.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import os
import shutil

import torch

from hnviz.paths import data_dir

DATASETS = ("MNIST", "FashionMNIST")  # torchvision class names == folder names
RAW_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
LEGACY_FILES = ("training.pt", "test.pt")
HINT = "pass --download (needs internet) or copy the 4 IDX files (train/t10k images/labels) there"


class DataUnavailableError(RuntimeError):
    """A benchmark's data is not on disk (one-line message naming the root and how to fill it)."""


def resolve_data_root(data_root: str | None = None) -> str:
    """Absolute data root: `data_root`, else `hnviz.paths.data_dir()` ($HNVIZ_DATA, else data/
    in the checkout, $HNVIZ_HOME or the user's data folder)."""
    root = data_root or str(data_dir())
    return os.path.abspath(os.path.expanduser(root))


def _raw_dir(dataset: str, root: str) -> str:
    return os.path.join(root, dataset, "raw")


def _has_legacy(dataset: str, root: str) -> bool:
    processed = os.path.join(root, dataset, "processed")
    return all(os.path.isfile(os.path.join(processed, f)) for f in LEGACY_FILES)


def _missing_raw(dataset: str, root: str) -> list[str]:
    """Raw file names present neither uncompressed nor as `.gz`."""
    raw = _raw_dir(dataset, root)
    def present(f: str) -> bool:
        return any(os.path.isfile(os.path.join(raw, f + ext)) for ext in ("", ".gz"))

    return [f for f in RAW_FILES if not present(f)]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def missing_reason(dataset: str, root: str) -> str | None:
    """Why `dataset` cannot be loaded from `root` (a one-line message), or None if it can.

    Cheap: only checks that files exist (and that torchvision is installed); reads nothing.
    """
    if dataset not in DATASETS:
        raise ValueError(f"unknown torchvision dataset {dataset!r}; expected one of {DATASETS}")
    if importlib.util.find_spec("torchvision") is None:
        return f"{dataset} needs torchvision, which is not installed (pip install torchvision)"
    if _has_legacy(dataset, root):
        return None
    missing = _missing_raw(dataset, root)
    if not missing:
        return None
    expected = os.path.join(_raw_dir(dataset, root), missing[0])
    return _one_line(f"{dataset} not found under {root} (expected {expected}[.gz]); {HINT}")


def _gunzip_missing(dataset: str, root: str) -> None:
    """Unpack `<raw>/X.gz` to `<raw>/X` where only the `.gz` exists."""
    raw = _raw_dir(dataset, root)
    for name in RAW_FILES:
        dst = os.path.join(raw, name)
        src = dst + ".gz"
        if os.path.isfile(dst) or not os.path.isfile(src):
            continue
        tmp = dst + ".part"
        try:
            with gzip.open(src, "rb") as fin, open(tmp, "wb") as fout:
                shutil.copyfileobj(fin, fout)
            os.replace(tmp, dst)
        except (OSError, EOFError) as e:  # read-only root, corrupt or truncated gzip
            if os.path.exists(tmp):
                os.remove(tmp)
            raise DataUnavailableError(
                _one_line(f"could not unpack {src} ({e}); unpack it yourself or {HINT}")
            ) from e


def _download(dataset: str, root: str) -> None:
    """Fetch `dataset` into `root` through torchvision (needs internet)."""
    import torchvision.datasets as tvd

    try:
        getattr(tvd, dataset)(root, train=True, download=True)
    except Exception as e:  # noqa: BLE001 - any failure here means "no data"
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise DataUnavailableError(
            _one_line(f"{dataset} download into {root} failed ({first}); copy the IDX files there "
                      f"({_raw_dir(dataset, root)}) from a machine with internet")
        ) from e


def load_mnist_family(
    dataset: str, data_root: str | None = None, download: bool = False
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The official train/test split of `dataset` ("MNIST" | "FashionMNIST").

    Returns (x_train [N, 28, 28] uint8, y_train [N] int64, x_test [M, 28, 28] uint8,
    y_test [M] int64). Loads are cached in-process; do not modify the returned tensors.
    """
    root = resolve_data_root(data_root)
    reason = missing_reason(dataset, root)
    if reason is not None and download:
        _download(dataset, root)
        reason = missing_reason(dataset, root)
    if reason is not None:
        raise DataUnavailableError(reason)
    if not _has_legacy(dataset, root):
        _gunzip_missing(dataset, root)
    return _load_cached(dataset, root, _stamp(dataset, root))


def _stamp(dataset: str, root: str) -> tuple[int, ...]:
    """Modification times of the files, so the cache notices replaced data."""
    folder = _raw_dir(dataset, root)
    names = RAW_FILES
    if _has_legacy(dataset, root):
        folder, names = os.path.join(root, dataset, "processed"), LEGACY_FILES
    return tuple(os.stat(os.path.join(folder, n)).st_mtime_ns for n in names)


@functools.lru_cache(maxsize=4)
def _load_cached(
    dataset: str, root: str, stamp: tuple[int, ...]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    import torchvision.datasets as tvd

    cls = getattr(tvd, dataset)
    try:
        train, test = cls(root, train=True), cls(root, train=False)
    except Exception as e:  # noqa: BLE001 - truncated / foreign files
        raise DataUnavailableError(
            _one_line(f"could not read {dataset} IDX files under {root} ({type(e).__name__}: {e}); "
                      f"replace them: {HINT}")
        ) from e
    # data: [N, 28, 28] uint8; targets: [N] int64
    return train.data, train.targets.long(), test.data, test.targets.long()
