"""Task-sequence builders: shapes, determinism, splits, permutations, MNIST-family file handling."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from hnviz.core.benchmarks import BENCHMARKS, available_benchmarks, benchmark, build_tasks
from hnviz.core.config import ConfigError, TaskConfig
from hnviz.core.datasets_torchvision import DataUnavailableError
from hnviz.core.tasks import REGRESSION_DEFAULTS, regression1d, task_permutations
from tests.test_datasets_cifar import write_cifar

EMBEDDED = ("regression1d", "split-digits", "permuted-digits")
MNIST_FAMILY = ("split-mnist", "permuted-mnist", "split-fashion-mnist")
IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def _same(a, b) -> bool:
    """Two TaskSequences hold identical tensors."""
    return a.n_tasks == b.n_tasks and all(
        torch.equal(getattr(s, f), getattr(t, f))
        for s, t in zip(a.tasks, b.tasks)
        for f in ("x_train", "y_train", "x_test", "y_test")
    )


# --- regression1d -----------------------------------------------------------------------------


def test_regression_shapes_and_ranges():
    seq = build_tasks(TaskConfig())
    assert (seq.benchmark, seq.kind, seq.n_tasks) == ("regression1d", "regression", 3)
    assert (seq.in_dim, seq.out_dim, seq.class_offsets, seq.input_shape) == (1, 1, (0, 0, 0), ())
    assert seq.is_regression
    ranges = [(-4, -2), (-1, 1), (2, 4)]
    for task, (lo, hi) in zip(seq.tasks, ranges):
        assert task.x_train.shape == task.y_train.shape == (100, 1)
        assert task.x_test.shape == task.y_test.shape == (50, 1)
        for t in (task.x_train, task.y_train, task.x_test, task.y_test):
            assert t.dtype == torch.float32
        assert lo <= task.x_train.min() and task.x_train.max() <= hi


def test_regression_test_targets_match_formulas():
    seq = build_tasks(TaskConfig())
    formulas = [lambda x: x + 3, lambda x: 2 * x**2 - 1, lambda x: (x - 3) ** 3]
    for task, f, (lo, hi) in zip(seq.tasks, formulas, [(-4, -2), (-1, 1), (2, 4)]):
        x = task.x_test[:, 0].double()
        assert torch.allclose(x, torch.linspace(lo, hi, 50, dtype=torch.float64), atol=1e-6)
        assert torch.allclose(task.y_test[:, 0].double(), f(x), atol=1e-5)
    formulas = [r.formula for r in REGRESSION_DEFAULTS[:3]]
    assert formulas == ["y = x + 3", "y = 2x² - 1", "y = (x - 3)³"]


def test_regression_train_noise():
    f = lambda x: x + 3  # noqa: E731
    noisy = build_tasks(TaskConfig(n_train=2000)).tasks[0]
    resid = noisy.y_train - f(noisy.x_train.double()).float()
    assert 0.04 < resid.std().item() < 0.06
    clean = build_tasks(TaskConfig(noise_std=0.0)).tasks[0]
    assert torch.allclose(clean.y_train, f(clean.x_train), atol=1e-5)


def test_regression_n_tasks_extends_defaults():
    base = build_tasks(TaskConfig())
    more = build_tasks(TaskConfig(n_tasks=6))
    assert more.n_tasks == 6 and _same(base, build_tasks(TaskConfig(n_tasks=3)))
    for a, b in zip(base.tasks, more.tasks):  # earlier tasks do not depend on n_tasks
        assert torch.equal(a.x_train, b.x_train) and torch.equal(a.y_train, b.y_train)
    spans = sorted(r.range for r in REGRESSION_DEFAULTS)
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:]))  # disjoint input ranges
    with pytest.raises(ConfigError, match="n_tasks"):
        build_tasks(TaskConfig(n_tasks=len(REGRESSION_DEFAULTS) + 1))


def test_regression_custom_functions():
    functions = [("square", lambda x: x**2, (0.0, 1.0)), ("neg", np.negative, (2, 3))]
    seq = regression1d(TaskConfig(n_test=11, noise_std=0.0), 2, functions=functions)
    assert seq.n_tasks == 2 and seq.tasks[0].name == "square"
    assert torch.allclose(seq.tasks[0].y_test, seq.tasks[0].x_test**2)
    assert torch.allclose(seq.tasks[1].y_train, -seq.tasks[1].x_train)
    with pytest.raises(ValueError):
        regression1d(TaskConfig(), 1, functions=[("bad", lambda x: x, (1.0, 0.0))])
    with pytest.raises(ValueError, match="2 function"):
        regression1d(TaskConfig(), 3, functions=functions)


# --- digits -----------------------------------------------------------------------------------


@pytest.mark.parametrize("benchmark", EMBEDDED)
def test_deterministic_per_seed(benchmark):
    a = build_tasks(TaskConfig(benchmark=benchmark, seed=3))
    assert _same(a, build_tasks(TaskConfig(benchmark=benchmark, seed=3)))
    assert not _same(a, build_tasks(TaskConfig(benchmark=benchmark, seed=4)))


def test_digits_read_without_sklearn_datasets_are_load_digits():
    from sklearn.datasets import load_digits

    from hnviz.core import tasks

    raw = tasks._bundled_digits()
    assert raw is not None, "scikit-learn's digits.csv.gz moved: the loader falls back (slow)"
    d = load_digits()
    assert np.array_equal(raw[:, :-1], d.data) and np.array_equal(raw[:, -1], d.target)


def test_split_digits():
    seq = build_tasks(TaskConfig(benchmark="split-digits"))
    assert (seq.kind, seq.n_tasks, seq.in_dim, seq.out_dim) == ("classification", 5, 64, 2)
    assert seq.class_offsets == (0, 2, 4, 6, 8) and seq.input_shape == (8, 8)
    n_train = n_test = 0
    for t, task in enumerate(seq.tasks):
        assert task.classes == (2 * t, 2 * t + 1)
        assert task.x_train.dtype == torch.float32 and task.y_train.dtype == torch.int64
        assert task.x_train.shape[1] == task.x_test.shape[1] == 64
        for x in (task.x_train, task.x_test):
            assert 0 <= x.min() and x.max() <= 1
        for y in (task.y_train, task.y_test):  # stratified: both classes in train and test
            assert set(y.tolist()) == {0, 1}
        n_train, n_test = n_train + len(task.y_train), n_test + len(task.y_test)
    assert n_train + n_test == 1797 and abs(n_test / 1797 - 0.2) < 0.01
    assert build_tasks(TaskConfig(benchmark="split-digits", n_tasks=2)).class_offsets == (0, 2)
    with pytest.raises(ConfigError):
        build_tasks(TaskConfig(benchmark="split-digits", n_tasks=6))


def test_digits_split_is_stratified_and_follows_test_fraction():
    seq = build_tasks(TaskConfig(benchmark="permuted-digits", n_tasks=1, test_fraction=0.3))
    task = seq.tasks[0]
    tr, te = torch.bincount(task.y_train, minlength=10), torch.bincount(task.y_test, minlength=10)
    frac = te.double() / (tr + te).double()
    assert torch.all((frac - 0.3).abs() < 0.01)


def test_permuted_digits():
    seq = build_tasks(TaskConfig(benchmark="permuted-digits"))
    assert (seq.n_tasks, seq.in_dim, seq.out_dim, seq.input_shape) == (10, 64, 10, (8, 8))
    assert seq.class_offsets == (0,) * 10 and benchmark("permuted-digits").default_n_tasks == 10
    base = seq.tasks[0]
    assert torch.equal(base.permutation, torch.arange(64))  # task 0 is the identity
    perms = [task.permutation for task in seq.tasks]
    for p in perms:
        assert torch.equal(torch.sort(p).values, torch.arange(64))
    assert len({tuple(p.tolist()) for p in perms}) == 10
    for task in seq.tasks:
        assert torch.equal(task.x_train, base.x_train[:, task.permutation])
        assert torch.equal(task.x_test, base.x_test[:, task.permutation])
        assert torch.equal(task.y_train, base.y_train)
        assert set(task.y_test.tolist()) == set(range(10))


def test_permutations_stable_when_adding_tasks():
    short, long = task_permutations(3, 50, seed=1), task_permutations(7, 50, seed=1)
    assert all(torch.equal(a, b) for a, b in zip(short, long))
    assert not torch.equal(long[1], task_permutations(2, 50, seed=2)[1])


def test_permuted_task_counts_are_bounded():
    most = benchmark("permuted-digits").max_n_tasks
    seq = build_tasks(TaskConfig(benchmark="permuted-digits", n_tasks=most))
    assert seq.n_tasks == most and seq.tasks[-1].x_train.shape == seq.tasks[0].x_train.shape
    for name in ("permuted-digits", "permuted-mnist"):  # refused before any data is read
        with pytest.raises(ConfigError, match="n_tasks"):
            TaskConfig(benchmark=name, n_tasks=most + 1)


# --- MNIST family (tiny IDX files) ------------------------------------------------------------


def _write_idx(path: Path, arr: np.ndarray, gz: bool) -> None:
    """IDX file: magic 0x0000 08 <ndim> (uint8), big-endian int32 dims, then the raw bytes."""
    data = struct.pack(">HBB", 0, 0x08, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    data += arr.astype(np.uint8).tobytes()
    if gz:
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)


def _write_dataset(root: Path, dataset: str, gz: bool) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (20, 28, 28)),
        "train-labels-idx1-ubyte": np.arange(20) % 10,
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (10, 28, 28)),
        "t10k-labels-idx1-ubyte": np.arange(10)[::-1],
    }
    raw = root / dataset / "raw"
    raw.mkdir(parents=True)
    for name, arr in arrays.items():
        _write_idx(raw / name, arr, gz)
    return arrays


@pytest.fixture()
def tiny_root(tmp_path):
    """MNIST as raw IDX files, FashionMNIST as .gz only."""
    arrays = _write_dataset(tmp_path, "MNIST", gz=False)
    _write_dataset(tmp_path, "FashionMNIST", gz=True)
    return tmp_path, arrays


def test_split_mnist_from_idx(tiny_root):
    root, arrays = tiny_root
    seq = build_tasks(TaskConfig(benchmark="split-mnist", data_root=str(root)))
    assert (seq.n_tasks, seq.in_dim, seq.out_dim, seq.input_shape) == (5, 784, 2, (28, 28))
    assert seq.class_offsets == (0, 2, 4, 6, 8)
    for task in seq.tasks:
        assert task.x_train.shape == (4, 784) and task.x_test.shape == (2, 784)
        assert task.x_train.dtype == torch.float32 and task.y_train.dtype == torch.int64
        assert sorted(task.y_train.tolist()) == [0, 0, 1, 1]
        assert sorted(task.y_test.tolist()) == [0, 1]
    first = seq.tasks[0].x_train[0].numpy()  # train image 0 has label 0
    expected = arrays["train-images-idx3-ubyte"][0].reshape(-1) / 255
    np.testing.assert_allclose(first, expected, atol=1e-6)


def test_permuted_mnist_from_idx(tiny_root):
    root, _ = tiny_root
    seq = build_tasks(TaskConfig(benchmark="permuted-mnist", n_tasks=3, data_root=str(root)))
    assert (seq.n_tasks, seq.out_dim, seq.class_offsets) == (3, 10, (0, 0, 0))
    base = seq.tasks[0]
    assert base.x_train.shape == (20, 784) and base.x_test.shape == (10, 784)
    assert 0 <= base.x_train.min() and base.x_train.max() <= 1
    assert torch.equal(seq.tasks[2].x_train, base.x_train[:, seq.tasks[2].permutation])
    assert not torch.equal(seq.tasks[1].x_train, base.x_train)
    assert base.y_test.tolist() == list(range(10))[::-1]


def test_split_fashion_mnist_from_gz(tiny_root):
    root, _ = tiny_root
    seq = build_tasks(TaskConfig(benchmark="split-fashion-mnist", n_tasks=2, data_root=str(root)))
    assert seq.n_tasks == 2 and seq.tasks[0].x_train.shape == (4, 784)
    assert seq.class_names[:2] == ("T-shirt/top", "Trouser")


def test_data_root_from_env(tiny_root, monkeypatch):
    root, _ = tiny_root
    monkeypatch.setenv("HNVIZ_DATA", str(root))
    seq = build_tasks(TaskConfig(benchmark="split-mnist", n_tasks=1))
    assert seq.tasks[0].x_train.shape == (4, 784)


@pytest.mark.parametrize("benchmark", MNIST_FAMILY)
def test_missing_root_raises_one_line(tmp_path, benchmark):
    root = tmp_path / "nowhere"
    with pytest.raises(DataUnavailableError) as err:
        build_tasks(TaskConfig(benchmark=benchmark, data_root=str(root)))
    msg = str(err.value)
    assert str(root) in msg and "\n" not in msg and "--download" in msg


def test_download_failure_is_one_line(tmp_path, monkeypatch):
    import torchvision.datasets as tvd

    def offline(self):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz:\nTried https://x:\nnope")

    monkeypatch.setattr(tvd.MNIST, "download", offline)
    with pytest.raises(DataUnavailableError) as err:
        build_tasks(TaskConfig(benchmark="split-mnist", data_root=str(tmp_path), download=True))
    assert str(tmp_path) in str(err.value) and "\n" not in str(err.value)


def test_corrupt_files_raise_data_unavailable(tmp_path):
    _write_dataset(tmp_path, "MNIST", gz=False)
    (tmp_path / "MNIST" / "raw" / "train-labels-idx1-ubyte").write_bytes(b"garbage!")
    with pytest.raises(DataUnavailableError):
        build_tasks(TaskConfig(benchmark="split-mnist", data_root=str(tmp_path)))


def test_available_benchmarks(tiny_root, tmp_path_factory):
    missing = tmp_path_factory.mktemp("empty")
    report = available_benchmarks(str(missing))
    on_files = (*MNIST_FAMILY, "split-cifar")
    assert list(report) == list(BENCHMARKS) and set(report) == set(EMBEDDED + on_files)
    assert all(report[b] == (True, "") for b in EMBEDDED)
    for b in on_files:
        ok, reason = report[b]
        assert not ok and str(missing) in reason and "\n" not in reason
    assert "CIFAR10(root, download=True)" in report["split-cifar"][1]
    root, _ = tiny_root
    write_cifar(root)
    assert all(ok for ok, _ in available_benchmarks(str(root)).values())
