"""The MNIST loader and the Split / Permuted MNIST builders on the real files (tests/mnist_data.py:
skipped without them, failing instead under HNVIZ_MNIST_REQUIRED=1).

The label counts are MNIST's official ones; the SHA-256 digests are of the tensors hnviz reads
from the IDX files the project measured on (/work/shared/data, the same on CI): a different or
damaged copy of the files fails here instead of silently changing every MNIST number."""

from __future__ import annotations

import hashlib

import pytest
import torch

from tests.mnist_data import mnist_root

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
SHA256 = {  # of x_train, y_train, x_test, y_test as load_mnist_family returns them
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "e474323ac02fc156161b0bbb1f8c9cfeb327a74bcd9f9680a8385269a24f566c",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "2fd8de6bdb8d11780b4b96dc57847bcfe6953f7c32aa48bfcd8237c3b7847243",
}


@pytest.fixture(scope="module")
def root() -> str:
    return mnist_root()


def _sha(t: torch.Tensor) -> str:
    return hashlib.sha256(t.contiguous().numpy().tobytes()).hexdigest()


def test_loader_shapes_counts_and_checksums(root):
    from hnviz.core.datasets_torchvision import load_mnist_family

    x_tr, y_tr, x_te, y_te = load_mnist_family("MNIST", root)
    assert x_tr.shape == (60_000, 28, 28) and x_tr.dtype == torch.uint8
    assert x_te.shape == (10_000, 28, 28) and x_te.dtype == torch.uint8
    assert y_tr.shape == (60_000,) and y_te.shape == (10_000,) and y_tr.dtype == torch.int64
    assert torch.bincount(y_tr).tolist() == TRAIN_COUNTS
    assert torch.bincount(y_te).tolist() == TEST_COUNTS
    got = dict(zip(SHA256, map(_sha, (x_tr, y_tr, x_te, y_te)), strict=True))
    assert got == SHA256


def test_split_and_permuted_mnist_tasks(root):
    from hnviz.core.benchmarks import available_benchmarks, build_tasks
    from hnviz.core.config import TaskConfig

    assert available_benchmarks(root)["split-mnist"] == (True, "")
    split = build_tasks(TaskConfig(benchmark="split-mnist", data_root=root))
    assert split.n_tasks == 5 and split.in_dim == 784 and split.out_dim == 2
    for t, tk in enumerate(split.tasks):  # task t: digits 2t / 2t+1, local labels 0 / 1
        a, b = 2 * t, 2 * t + 1
        assert tk.x_train.shape == (TRAIN_COUNTS[a] + TRAIN_COUNTS[b], 784)
        assert tk.x_test.shape == (TEST_COUNTS[a] + TEST_COUNTS[b], 784)
        assert torch.bincount(tk.y_test).tolist() == [TEST_COUNTS[a], TEST_COUNTS[b]]
        assert 0.0 <= float(tk.x_train.min()) and float(tk.x_train.max()) == 1.0
    perm = build_tasks(TaskConfig(benchmark="permuted-mnist", data_root=root))
    assert perm.n_tasks == 10 and perm.out_dim == 10
    base = perm.tasks[0].x_test
    for tk in perm.tasks[1:3]:  # the same images, pixels moved by the task's permutation
        x = tk.x_test
        assert x.shape == (10_000, 784) and not torch.equal(x, base)
        assert torch.equal(x.sort(dim=1).values, base.sort(dim=1).values)
        assert torch.equal(tk.y_test, perm.tasks[0].y_test)
