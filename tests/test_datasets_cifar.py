"""CIFAR files in torchvision's real format (written here, tiny) -> Split CIFAR-10/100 tasks;
the restricted unpickler refuses anything else."""

from __future__ import annotations

import os
import pickle
import struct
import types

import numpy as np
import pytest
import torch

from hnviz.core import datasets_cifar as dc
from hnviz.core.datasets_torchvision import DataUnavailableError

C10_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
             "truck"]
C100_NAMES = [f"fine{c:02d}" for c in range(100)]
N10, N100 = (4, 2), (3, 2)  # images per class (train, test)


class _Py2Pickler(pickle._Pickler):
    """Writes what Python 2's cPickle wrote for the original CIFAR files: protocol 2, every string
    a Python 2 str (SHORT_BINSTRING/BINSTRING), numpy under its old module name numpy.core."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_bytes(self, obj):
        n = len(obj)
        head = pickle.SHORT_BINSTRING + bytes([n]) if n < 256 else (
            pickle.BINSTRING + struct.pack("<i", n))
        self.write(head + obj)
        self.memoize(obj)

    def save_str(self, obj):
        self.save_bytes(obj.encode("latin1"))

    def save_global(self, obj, name=None):
        module = obj.__module__.replace("numpy._core", "numpy.core")
        self.write(pickle.GLOBAL + f"{module}\n{name or obj.__qualname__}\n".encode())
        self.memoize(obj)

    dispatch[bytes] = save_bytes
    dispatch[str] = save_str
    dispatch[types.FunctionType] = save_global
    dispatch[type] = save_global


def _dump(path, d: dict, fmt: str) -> None:
    with open(path, "wb") as f:
        if fmt == "py2":  # the original files
            _Py2Pickler(f, protocol=2).dump(d)
        elif fmt == "py3-protocol2":  # bytes keys via _codecs.encode
            pickle.dump({k.encode(): v for k, v in d.items()}, f, protocol=2)
        else:  # a modern re-pickle: bytes keys, numpy's protocol-5 _frombuffer
            pickle.dump({k.encode(): v for k, v in d.items()}, f, protocol=5)


def _images(codes: np.ndarray, first_serial: int, rng) -> np.ndarray:
    """[N, 3072] uint8: red pixel 0 = class code, red pixel 1 = serial number, rest noise."""
    x = rng.integers(0, 256, size=(len(codes), 3072), dtype=np.uint8)
    x[:, 0] = codes
    x[:, 1] = (first_serial + np.arange(len(codes))) % 256
    return x


def write_cifar(root, fmt: str = "py2") -> None:
    rng = np.random.default_rng(0)
    c10 = root / "cifar-10-batches-py"
    c10.mkdir(parents=True)
    y = rng.permutation(np.repeat(np.arange(10), N10[0]))  # 40 images over 5 batches
    x = _images(y, 0, rng)
    for i, part in enumerate(np.array_split(np.arange(len(y)), 5)):
        _dump(c10 / f"data_batch_{i + 1}", {
            "batch_label": f"training batch {i + 1} of 5", "labels": [int(v) for v in y[part]],
            "data": x[part], "filenames": [f"img_{j}.png" for j in part]}, fmt)
    y = np.repeat(np.arange(10), N10[1])
    _dump(c10 / "test_batch", {"batch_label": "testing batch 1 of 1", "labels": y.tolist(),
                               "data": _images(y, 100, rng), "filenames": ["t.png"] * len(y)}, fmt)
    _dump(c10 / "batches.meta", {"num_cases_per_batch": 8, "label_names": C10_NAMES,
                                 "num_vis": 3072}, fmt)
    c100 = root / "cifar-100-python"
    c100.mkdir()
    for split, n, serial in (("train", N100[0], 0), ("test", N100[1], 50)):
        y = rng.permutation(np.repeat(np.arange(100), n))
        _dump(c100 / split, {"filenames": ["f.png"] * len(y), "batch_label": split,
                             "fine_labels": y.tolist(), "coarse_labels": (y // 5).tolist(),
                             "data": _images(100 + y, serial, rng)}, fmt)
    _dump(c100 / "meta", {"fine_label_names": C100_NAMES,
                          "coarse_label_names": [f"coarse{c}" for c in range(20)]}, fmt)


def _raw_red(x: torch.Tensor) -> np.ndarray:
    """Undo the normalization of the red channel: [N, 3072] float32 -> [N, 1024] uint8 values."""
    red = x[:, :1024] * dc.CIFAR_STD[0] + dc.CIFAR_MEAN[0]
    return torch.round(red * 255).to(torch.int64).numpy()


@pytest.mark.parametrize("fmt", ["py2", "py3-protocol2", "py3-protocol5"])
def test_split_cifar_from_real_format_files(tmp_path, fmt):
    write_cifar(tmp_path, fmt)
    seq = dc.split_cifar(str(tmp_path), n_tasks=6)
    assert (seq.benchmark, seq.kind, seq.n_tasks) == ("split-cifar", "classification", 6)
    assert (seq.in_dim, seq.out_dim, seq.input_shape) == (3072, 10, (3, 32, 32))
    assert seq.class_offsets == (0, 10, 20, 30, 40, 50)
    assert seq.class_names == tuple(C10_NAMES + C100_NAMES[:50])
    for t, task in enumerate(seq.tasks):
        assert task.classes == tuple(range(10 * t, 10 * t + 10))
        n_tr, n_te = N10 if t == 0 else N100
        for x, y, n in ((task.x_train, task.y_train, n_tr), (task.x_test, task.y_test, n_te)):
            assert x.dtype == torch.float32 and x.shape == (10 * n, 3072)
            assert y.dtype == torch.int64 and torch.bincount(y, minlength=10).tolist() == [n] * 10
            codes = _raw_red(x)[:, 0]  # the class each image was written with
            want = y.numpy() if t == 0 else 100 + 10 * (t - 1) + y.numpy()
            assert np.array_equal(codes, want)
    assert seq.tasks[0].name == "CIFAR-10" and seq.tasks[1].name == "CIFAR-100 classes 0-9"


def test_normalization_is_per_channel_and_invertible(tmp_path):
    write_cifar(tmp_path)
    data = dc.load_cifar("CIFAR10", str(tmp_path))
    x = dc.normalize(data.x_train)  # [N, 3072] float32
    for c in range(3):
        chan = x[:, 1024 * c:1024 * (c + 1)]
        raw = torch.from_numpy(data.x_train[:, 1024 * c:1024 * (c + 1)].astype(np.float32))
        assert torch.allclose(chan, (raw / 255 - dc.CIFAR_MEAN[c]) / dc.CIFAR_STD[c], atol=1e-6)
    assert np.array_equal(_raw_red(x), data.x_train[:, :1024])


def test_subset_is_stratified_seeded_and_independent_of_n_tasks(tmp_path):
    write_cifar(tmp_path)
    a = dc.split_cifar(str(tmp_path), 6, subset=2, seed=3, test_subset=1)
    b = dc.split_cifar(str(tmp_path), 2, subset=2, seed=3, test_subset=1)
    c = dc.split_cifar(str(tmp_path), 6, subset=2, seed=4, test_subset=1)
    for task in a.tasks:
        assert torch.bincount(task.y_train, minlength=10).tolist() == [2] * 10
        assert torch.bincount(task.y_test, minlength=10).tolist() == [1] * 10
    assert torch.equal(a.tasks[1].x_train, b.tasks[1].x_train)
    serials = [_raw_red(s.tasks[0].x_train)[:, 1] for s in (a, c)]
    assert not np.array_equal(*serials)  # another seed keeps other images
    full = dc.split_cifar(str(tmp_path), 1, subset=100)  # more than there are: keep all
    assert full.tasks[0].x_train.shape[0] == 10 * N10[0]


def test_bad_arguments_get_clear_errors(tmp_path):
    write_cifar(tmp_path)
    for kwargs, match in (({"n_tasks": 7}, "1..6 tasks"), ({"n_tasks": 0}, "1..6 tasks"),
                          ({"subset": 0}, "subset must be a positive"),
                          ({"test_subset": 1.5}, "test_subset must be a positive")):
        with pytest.raises(ValueError, match=match):
            dc.split_cifar(str(tmp_path), **kwargs)


def test_missing_folders_give_one_line(tmp_path):
    with pytest.raises(DataUnavailableError) as e:
        dc.split_cifar(str(tmp_path))
    msg = str(e.value)
    assert "\n" not in msg and "cifar-10-batches-py" in msg and str(tmp_path) in msg
    assert "CIFAR10(root, download=True)" in msg
    write_cifar(tmp_path)
    os.remove(tmp_path / "cifar-100-python" / "meta")
    assert dc.split_cifar(str(tmp_path), n_tasks=1).n_tasks == 1  # CIFAR-100 not needed
    with pytest.raises(DataUnavailableError, match=r"cifar-100-python/meta\).*CIFAR100\(root"):
        dc.split_cifar(str(tmp_path), n_tasks=2)
    assert dc.missing_reason("CIFAR10", str(tmp_path)) is None


class _Evil:
    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg

    def __reduce__(self):
        return self.fn, (self.arg,)


@pytest.mark.parametrize("how", ["os.system", "eval"])
def test_malicious_pickle_is_refused_without_running(tmp_path, how):
    write_cifar(tmp_path)
    marker = tmp_path / "pwned"
    payload = (_Evil(os.system, f"touch {marker}") if how == "os.system"
               else _Evil(eval, f"open({str(marker)!r}, 'w')"))
    with open(tmp_path / "cifar-10-batches-py" / "data_batch_3", "wb") as f:
        pickle.dump({b"data": payload, b"labels": [0]}, f, protocol=2)
    with pytest.raises(dc.UnsafePickleError) as e:
        dc.split_cifar(str(tmp_path))
    msg = str(e.value)
    assert "refusing to unpickle" in msg and "data_batch_3" in msg and "\n" not in msg
    assert ("system" if how == "os.system" else ".eval,") in msg
    assert not marker.exists()


def test_foreign_file_contents_are_reported(tmp_path):
    write_cifar(tmp_path)
    path = tmp_path / "cifar-10-batches-py" / "test_batch"
    _dump(path, {"data": np.zeros((2, 100), np.uint8), "labels": [0, 1]}, "py2")
    with pytest.raises(DataUnavailableError, match=r"not a CIFAR file: 'data' is uint8 \[2, 100\]"):
        dc.load_cifar("CIFAR10", str(tmp_path))
    path.write_bytes(b"not a pickle")
    with pytest.raises(DataUnavailableError, match="could not read .*test_batch"):
        dc.load_cifar("CIFAR10", str(tmp_path))


def test_loads_are_cached_until_a_file_changes(tmp_path):
    write_cifar(tmp_path)
    first = dc.load_cifar("CIFAR100", str(tmp_path))
    assert dc.load_cifar("CIFAR100", str(tmp_path)) is first
    assert not first.x_train.flags.writeable
    path = tmp_path / "cifar-100-python" / "train"
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    again = dc.load_cifar("CIFAR100", str(tmp_path))
    assert again is not first and np.array_equal(again.x_train, first.x_train)


def test_synthetic_cifar_script_writes_the_real_format_labelled_synthetic(tmp_path):
    """scripts/make_synthetic_cifar.py: files the loader reads as Split CIFAR, every class
    named synthetic, classes told apart by their pattern (a nearest-mean classifier on the raw
    pixels beats chance 3×), the same bytes for the same seed."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "make_synthetic_cifar.py"
    spec = importlib.util.spec_from_file_location("make_synthetic_cifar", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.write(str(tmp_path / "a"), train=30, test=10, train100=3, test100=2, noise=0.1)
    seq = dc.split_cifar(str(tmp_path / "a"), n_tasks=6)
    assert all(n.startswith("synthetic-c") for n in seq.class_names)
    assert [t.x_train.shape[0] for t in seq.tasks] == [300] + [30] * 5
    tk = seq.tasks[0]
    means = torch.stack([tk.x_train[tk.y_train == c].mean(0) for c in range(10)])  # [10, 3072]
    pred = torch.cdist(tk.x_test, means).argmin(1)
    assert (pred == tk.y_test).float().mean() >= 0.3  # chance: 0.1 (random phase and place)
    mod.write(str(tmp_path / "b"), train=30, test=10, train100=3, test100=2, noise=0.1)
    for rel in ("cifar-10-batches-py/data_batch_2", "cifar-100-python/test"):
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
