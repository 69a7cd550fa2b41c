"""Task sequences: the data of a continual-learning benchmark, one task after another.

Contract (used by trainer, analysis and UI):
  TaskSequence.tasks[t].x_train  [N, in_dim] float32 (permuted tasks: a fresh permuted copy per
                                 access; the trainer reads rows with `inputs(split, rows)`)
  TaskSequence.tasks[t].y_train  [N, 1] float32 (regression) | [N] int64 local labels 0..out_dim-1
  TaskSequence.out_dim           outputs of one task's head (1, 2 or 10)
  TaskSequence.class_offsets[t]  global label = class_offsets[t] + local label (class-incremental)

The builders below make one sequence each, `builder(cfg, n_tasks) -> TaskSequence`; the benchmark
registry (`benchmarks.py`) names them, resolves and bounds `n_tasks`, and is what callers use
(`benchmarks.build_tasks(cfg)`).

Builders (all deterministic given the TaskConfig; task t's data never depends on n_tasks):
  regression1d         the paper's 1-D toy: y = x + 3 on [-4, -2], y = 2x² - 1 on [-1, 1],
                       y = (x - 3)³ on [2, 4] (more in REGRESSION_DEFAULTS for n_tasks > 3).
                       Train x ~ U[lo, hi] with N(0, noise_std²) target noise; test x evenly
                       spaced over [lo, hi] (linspace, ends included) with noise-free targets.
  split_digits         sklearn's 8×8 digits, tasks 0/1, 2/3, 4/5, 6/7, 8/9; labels local 0/1.
  permuted_digits      10-class digits, task t = fixed pixel permutation t; task 0 = identity.
                       Every task shares the unpermuted tensors; its permutation is applied when
                       its inputs are read, so a task costs [in_dim] indices, not a data copy.
  split_mnist, split_fashion_mnist, permuted_mnist: the same on 28×28 images read from disk via
                       torchvision (see datasets_torchvision), official train/test split.
Digits use a per-class (stratified) train/test split drawn from cfg.seed and cfg.test_fraction.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from .config import TaskConfig
from .datasets_torchvision import load_mnist_family
from .metrics import METRIC_OF_KIND, Metric


@dataclass(frozen=True)
class Task:
    """One task's data. Inputs are stored as `base_*`; a permuted task (`permutation` set) sees
    input j = base input permutation[j], applied when read (`inputs`, `x_train`, `x_test`), so
    permuted tasks share one copy of the data."""

    name: str
    base_train: torch.Tensor  # [N, in_dim] float32, before `permutation`
    y_train: torch.Tensor  # [N, 1] float32 | [N] int64
    base_test: torch.Tensor  # [M, in_dim]
    y_test: torch.Tensor  # [M, 1] | [M]
    classes: tuple[int, ...] = ()  # global classes of this task (split benchmarks); () otherwise
    permutation: torch.Tensor | None = None  # [in_dim] int64 pixel order (permuted benchmarks)
    _identity: bool = field(init=False, repr=False, compare=False, default=True)

    def __post_init__(self) -> None:
        p = self.permutation
        object.__setattr__(self, "_identity", p is None or bool(
            torch.equal(p, torch.arange(p.numel(), dtype=p.dtype, device=p.device))))

    def inputs(self, split: str = "train", rows: torch.Tensor | slice | None = None
               ) -> torch.Tensor:
        """Inputs of `split` ("train" | "test"): all [N, in_dim] or `rows` of them [n, in_dim].
        Rows are gathered before the columns are permuted: the same numbers as indexing a
        permuted copy, at the cost of the rows asked for."""
        x = self.base_train if split == "train" else self.base_test
        if rows is not None:
            x = x[rows]
        return x if self._identity else x.index_select(1, self.permutation)

    @property
    def x_train(self) -> torch.Tensor:  # [N, in_dim]
        return self.inputs("train")

    @property
    def x_test(self) -> torch.Tensor:  # [M, in_dim]
        return self.inputs("test")


@dataclass(frozen=True)
class TaskSequence:
    benchmark: str
    kind: str  # "regression" | "classification"
    tasks: tuple[Task, ...]
    in_dim: int
    out_dim: int  # size of one task's head
    class_offsets: tuple[int, ...]  # per task; all 0 for permuted (domain-incremental)
    input_shape: tuple[int, ...] = ()  # e.g. (8, 8) for showing digit inputs; () for 1-D inputs
    class_names: tuple[str, ...] = ()  # global class names (classification); () for regression

    @property
    def n_tasks(self) -> int:
        return len(self.tasks)

    @property
    def is_regression(self) -> bool:
        return self.kind == "regression"

    @property
    def metric(self) -> Metric:
        """What R holds for this sequence (accuracy or MSE) and which way is better."""
        return METRIC_OF_KIND[self.kind]

    @property
    def device(self) -> torch.device:
        return self.tasks[0].y_train.device

    def to(self, device: torch.device | str) -> TaskSequence:
        """The same sequence with every tensor on `device`; itself when already there. Tensors
        shared between tasks (the permuted benchmarks' data) stay shared: one copy per device."""
        device = torch.device(device)
        if all(t.device == device for tk in self.tasks for t in _tensors(tk)):
            return self
        moved: dict[int, torch.Tensor] = {}

        def mv(x: torch.Tensor | None) -> torch.Tensor | None:
            if x is None:
                return None
            if id(x) not in moved:
                moved[id(x)] = x.to(device)
            return moved[id(x)]

        tasks = []
        for tk in self.tasks:
            new = copy.copy(tk)  # keeps what __post_init__ found (whether it permutes)
            for name in _TENSOR_FIELDS:
                object.__setattr__(new, name, mv(getattr(tk, name)))
            tasks.append(new)
        return dataclasses.replace(self, tasks=tuple(tasks))


_TENSOR_FIELDS = ("base_train", "y_train", "base_test", "y_test", "permutation")


def _tensors(tk: Task) -> list[torch.Tensor]:
    return [t for t in (getattr(tk, name) for name in _TENSOR_FIELDS) if t is not None]


# ---------------------------------------------------------------------------------------------
# Constants

DIGIT_NAMES = tuple(str(d) for d in range(10))
FASHION_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                 "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
N_SPLIT_TASKS = 5  # class pairs (0,1) .. (8,9)
_SEED_TAGS = {"split": 1, "perm": 2, "regression": 3}  # independent random streams per purpose


@dataclass(frozen=True)
class RegressionFunction:
    """One 1-D regression task: `fn` maps a float64 array of x to y (same shape) on `range`."""

    name: str
    formula: str
    fn: Callable[[np.ndarray], np.ndarray]
    range: tuple[float, float]


# The paper's three tasks first; the rest extend the sequence on disjoint ranges, y within [-1, 1].
REGRESSION_DEFAULTS: tuple[RegressionFunction, ...] = (
    RegressionFunction("linear", "y = x + 3", lambda x: x + 3, (-4.0, -2.0)),
    RegressionFunction("quadratic", "y = 2x² - 1", lambda x: 2 * x**2 - 1, (-1.0, 1.0)),
    RegressionFunction("cubic", "y = (x - 3)³", lambda x: (x - 3) ** 3, (2.0, 4.0)),
    RegressionFunction("sine", "y = sin(πx)", lambda x: np.sin(np.pi * x), (5.0, 7.0)),
    RegressionFunction("abs", "y = 2|x - 9| - 1", lambda x: 2 * np.abs(x - 9) - 1, (8.0, 10.0)),
    RegressionFunction("tanh", "y = tanh(3(x - 12))", lambda x: np.tanh(3 * (x - 12)),
                       (11.0, 13.0)),
    RegressionFunction("falling", "y = 15 - x", lambda x: 15 - x, (14.0, 16.0)),
    RegressionFunction("bump", "y = 1 - 2(x - 18)²", lambda x: 1 - 2 * (x - 18) ** 2,
                       (17.0, 19.0)),
)
N_PAPER_REGRESSION = 3


# ---------------------------------------------------------------------------------------------
# Shared helpers


def _rng(seed: int, purpose: str, *extra: int) -> np.random.Generator:
    """Generator for one purpose (and e.g. task index), independent of the other streams."""
    return np.random.default_rng([int(seed) % 2**32, _SEED_TAGS[purpose], *extra])


def task_permutations(n_tasks: int, dim: int, seed: int) -> list[torch.Tensor]:
    """Pixel permutations [dim] int64 per task: identity for task 0, random (seeded by seed and
    task index, so adding tasks never changes earlier ones) for the rest."""
    perms = [torch.arange(dim)]
    for t in range(1, n_tasks):
        perms.append(torch.from_numpy(_rng(seed, "perm", t).permutation(dim)))
    return perms


def stratified_split(
    y: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(train_idx, test_idx), sorted: per class, round(test_fraction * n_c) examples (at least one,
    leaving at least one for training) go to test, drawn with the seed."""
    rng = _rng(seed, "split")
    train, test = [], []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        n_test = min(len(idx) - 1, max(1, round(test_fraction * len(idx))))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def split_classes(t: int) -> tuple[int, int]:
    """The two global classes of split task t: (2t, 2t + 1)."""
    return 2 * t, 2 * t + 1


def _split_pairs(benchmark: str, data: tuple[torch.Tensor, ...], n_tasks: int,
                 names: Sequence[str], input_shape: tuple[int, ...]) -> TaskSequence:
    """Class-incremental pairs (0,1), (2,3), ...; local labels 0/1, class_offsets 0, 2, 4, ..."""
    x_tr, y_tr, x_te, y_te = data  # [N, D] float32, [N] int64, [M, D], [M]
    tasks = []
    for t in range(n_tasks):
        a, b = split_classes(t)
        m_tr = (y_tr == a) | (y_tr == b)  # [N] bool
        m_te = (y_te == a) | (y_te == b)  # [M] bool
        tasks.append(Task(f"{names[a]} / {names[b]}", x_tr[m_tr], y_tr[m_tr] - a,
                          x_te[m_te], y_te[m_te] - a, classes=(a, b)))
    return TaskSequence(benchmark, "classification", tuple(tasks), x_tr.shape[1], 2,
                        tuple(2 * t for t in range(n_tasks)), input_shape, tuple(names))


def _permuted(benchmark: str, data: tuple[torch.Tensor, ...], n_tasks: int, seed: int,
              names: Sequence[str], input_shape: tuple[int, ...]) -> TaskSequence:
    """Domain-incremental: every task sees all 10 classes with its own pixel permutation.
    Labels and inputs are shared between tasks (same tensors); pixel j of task t is base pixel
    perm[j], applied when the task's inputs are read (`Task.inputs`)."""
    x_tr, y_tr, x_te, y_te = data  # [N, D] float32, [N] int64, [M, D], [M]
    dim = x_tr.shape[1]
    tasks = []
    for t, perm in enumerate(task_permutations(n_tasks, dim, seed)):
        label = "identity" if t == 0 else f"permutation {t}"
        tasks.append(Task(f"P{t} ({label})", x_tr, y_tr, x_te, y_te, permutation=perm))
    return TaskSequence(benchmark, "classification", tuple(tasks), dim, 10, (0,) * n_tasks,
                        input_shape, tuple(names))


# ---------------------------------------------------------------------------------------------
# regression1d


def regression1d(cfg: TaskConfig, n_tasks: int, functions: Sequence | None = None
                 ) -> TaskSequence:
    """The first `n_tasks` 1-D regression tasks. `functions`: RegressionFunction items or
    (name, fn, (lo, hi)) tuples; default REGRESSION_DEFAULTS (the paper's three first).

    Train: cfg.n_train x ~ U[lo, hi], y = fn(x) + N(0, noise_std²). Test: cfg.n_test x evenly
    spaced over [lo, hi] (both ends), y = fn(x) without noise. x, y: [N, 1] float32.
    """
    funcs = [_as_function(f) for f in (REGRESSION_DEFAULTS if functions is None else functions)]
    if not 1 <= n_tasks <= len(funcs):
        raise ValueError(f"regression1d has {len(funcs)} function(s); asked for {n_tasks} tasks")
    tasks = tuple(_regression_task(f, t, cfg) for t, f in enumerate(funcs[:n_tasks]))
    return TaskSequence("regression1d", "regression", tasks, 1, 1, (0,) * n_tasks, ())


def _as_function(f: RegressionFunction | tuple) -> RegressionFunction:
    if isinstance(f, RegressionFunction):
        return f
    name, fn, (lo, hi) = f
    if not callable(fn) or not float(lo) < float(hi):
        raise ValueError(f"regression function {name!r} needs a callable and a range lo < hi")
    return RegressionFunction(str(name), str(name), fn, (float(lo), float(hi)))


def _regression_task(f: RegressionFunction, t: int, cfg: TaskConfig) -> Task:
    lo, hi = f.range
    rng = _rng(cfg.seed, "regression", t)
    x_tr = rng.uniform(lo, hi, size=cfg.n_train)  # [N] float64
    y_tr = _eval(f, x_tr) + cfg.noise_std * rng.standard_normal(cfg.n_train)
    x_te = np.linspace(lo, hi, cfg.n_test)  # [M]
    y_te = _eval(f, x_te)

    def col(a: np.ndarray) -> torch.Tensor:  # [K] float64 -> [K, 1] float32
        return torch.from_numpy(a.astype(np.float32)).reshape(-1, 1)

    return Task(f.name, col(x_tr), col(y_tr), col(x_te), col(y_te))


def _eval(f: RegressionFunction, x: np.ndarray) -> np.ndarray:
    y = np.asarray(f.fn(x), dtype=np.float64)
    if y.shape != x.shape:
        raise ValueError(f"regression function {f.name!r} returned shape {y.shape} for {x.shape}")
    return y


# ---------------------------------------------------------------------------------------------
# digits (sklearn's bundled 8×8 set; no download)


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    """All 1797 digits: x [1797, 64] float32 in [0, 1], y [1797] int64 (read-only arrays).

    Read straight from the file scikit-learn ships (`sklearn/datasets/data/digits.csv.gz`, what
    `load_digits` parses, the same numbers) without importing `sklearn.datasets`, which pulls in
    scipy and pandas: ~15 ms instead of ~1 s per process. Falls back to `load_digits`."""
    data = _bundled_digits()
    if data is None:
        from sklearn.datasets import load_digits

        d = load_digits()
        pixels, labels = d.data, d.target
    else:
        pixels, labels = data[:, :-1], data[:, -1]
    x = (pixels / 16.0).astype(np.float32)
    y = labels.astype(np.int64)
    x.flags.writeable = y.flags.writeable = False
    return x, y


def _bundled_digits() -> np.ndarray | None:
    """scikit-learn's digits.csv.gz as [1797, 65] float64 (64 pixels 0..16, then the label),
    found without importing sklearn; None when the file is not where it used to be."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("sklearn")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            data = np.loadtxt(path, delimiter=",")
            if data.shape == (1797, 65):
                return data
    return None


def digits_split(seed: int, test_fraction: float) -> tuple[torch.Tensor, ...]:
    """Stratified split of all digits:
    (x_train [N, 64] float32, y_train [N] int64, x_test [M, 64], y_test [M])."""
    x, y = _digits()
    tr, te = stratified_split(y, test_fraction, seed)
    return (torch.from_numpy(x[tr]), torch.from_numpy(y[tr]),
            torch.from_numpy(x[te]), torch.from_numpy(y[te]))


def split_digits(cfg: TaskConfig, n_tasks: int) -> TaskSequence:
    """Split digits: up to 5 two-class tasks 0/1 .. 8/9."""
    return _split_pairs("split-digits", digits_split(cfg.seed, cfg.test_fraction), n_tasks,
                        DIGIT_NAMES, (8, 8))


def permuted_digits(cfg: TaskConfig, n_tasks: int) -> TaskSequence:
    """Permuted digits: n_tasks pixel permutations of the 10-class problem."""
    return _permuted("permuted-digits", digits_split(cfg.seed, cfg.test_fraction), n_tasks,
                     cfg.seed, DIGIT_NAMES, (8, 8))


# ---------------------------------------------------------------------------------------------
# MNIST family (torchvision, read from cfg.data_root / $HNVIZ_DATA / ./data)


def _torchvision_data(cfg: TaskConfig, dataset: str) -> tuple[torch.Tensor, ...]:
    """Official split, pixels in [0, 1]: (x_train [60000, 784] float32, y_train [60000] int64,
    x_test [10000, 784], y_test [10000]). Raises DataUnavailableError when not on disk."""
    x_tr, y_tr, x_te, y_te = load_mnist_family(dataset, cfg.data_root, cfg.download)

    def flat(x: torch.Tensor) -> torch.Tensor:  # [N, 28, 28] uint8 -> [N, 784] float32
        return x.reshape(x.shape[0], -1).float().div_(255.0)

    return flat(x_tr), y_tr.clone(), flat(x_te), y_te.clone()


def split_mnist(cfg: TaskConfig, n_tasks: int) -> TaskSequence:
    """Split MNIST: up to 5 two-class tasks 0/1 .. 8/9."""
    return _split_pairs("split-mnist", _torchvision_data(cfg, "MNIST"), n_tasks, DIGIT_NAMES,
                        (28, 28))


def split_fashion_mnist(cfg: TaskConfig, n_tasks: int) -> TaskSequence:
    """Split Fashion-MNIST: up to 5 two-class tasks (T-shirt/top / Trouser, ...)."""
    return _split_pairs("split-fashion-mnist", _torchvision_data(cfg, "FashionMNIST"), n_tasks,
                        FASHION_NAMES, (28, 28))


def permuted_mnist(cfg: TaskConfig, n_tasks: int) -> TaskSequence:
    """Permuted MNIST: n_tasks permutations of 784 pixels (the 220 MB of data shared by all)."""
    return _permuted("permuted-mnist", _torchvision_data(cfg, "MNIST"), n_tasks, cfg.seed,
                     DIGIT_NAMES, (28, 28))
