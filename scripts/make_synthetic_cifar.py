"""Write a SYNTHETIC data set in torchvision's CIFAR-10/100 file format (NOT CIFAR).

    PYTHONPATH=. .venv/bin/python scripts/make_synthetic_cifar.py OUT [--train 500 --test 100
        --train100 50 --test100 50 --noise 0.25 --seed 0]

writes OUT/cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta} and
OUT/cifar-100-python/{train, test, meta}, byte-compatible with what
`torchvision.datasets.CIFAR10/100(root, download=True)` extract: pickled dicts with uint8
'data' [N, 3072] (1024 red, 1024 green, 1024 blue pixels of a 32×32 image), 'labels' /
'fine_labels' (+ 'coarse_labels'), and meta files naming the classes. Every name says it is
synthetic ("synthetic-c017", "SYNTHETIC training batch 1 of 5 (not CIFAR)"), so a run on it
cannot be mistaken for one on CIFAR.

Why: the real files cannot be downloaded on a machine without internet, and the pipeline
(`--benchmark split-cifar`) should still be shown end to end, with forward transfer and
forgetting that can be measured. Each class is a combination of shared primitives, so features
learned on one task help the next ones (transfer), while training a shared network on a new task
moves the features older heads rely on (forgetting):

    image = clip(0.5 + a · colour ⊗ grating(θ, f, φ) · window + noise, 0, 1)

with, per class, one of ORIENTATIONS × FREQUENCIES orientations θ and spatial frequencies f of
a sinusoidal grating and one of COLOURS tints (drawn without repetition over the 110 classes),
and per image a random phase φ, contrast a, a soft window at a random position and Gaussian pixel
noise of std `noise`. Classes 0-9 are the "CIFAR-10" part, 10-109 the "CIFAR-100" one. As in
the real data, the first part has 10× the training images per class of the second (defaults 500
and 50; CIFAR: 5000 and 500), so `--subset 500` keeps that ratio.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys

import numpy as np

ORIENTATIONS = 8  # θ = k·π/8
FREQUENCIES = (1.5, 3.0, 5.0)  # cycles per image side
COLOURS = np.array([[1, 0.2, 0.2], [0.2, 1, 0.2], [0.2, 0.2, 1], [1, 1, 0.2], [1, 0.2, 1],
                    [0.2, 1, 1]], dtype=np.float32)  # tints of the grating
N10, N100 = 10, 100


def class_codes(seed: int) -> np.ndarray:
    """[110, 3] (orientation, frequency, colour) per class, distinct, fixed by `seed`."""
    combos = np.array([(o, f, c) for o in range(ORIENTATIONS) for f in range(len(FREQUENCIES))
                       for c in range(len(COLOURS))])
    return combos[np.random.default_rng([seed, 1]).permutation(len(combos))[:N10 + N100]]


def images(classes: np.ndarray, codes: np.ndarray, noise: float,
           rng: np.random.Generator) -> np.ndarray:
    """uint8 [N, 3072] channel-first images of the given class ids (see the module docstring)."""
    n = len(classes)
    yy, xx = np.mgrid[0:32, 0:32].astype(np.float32) / 32.0  # [32, 32] in [0, 1)
    o, f, c = codes[classes].T  # [N] each
    theta = o * np.pi / ORIENTATIONS
    freq = np.asarray(FREQUENCIES, dtype=np.float32)[f]
    phase = rng.uniform(0, 2 * np.pi, n)
    u = np.cos(theta)[:, None, None] * xx + np.sin(theta)[:, None, None] * yy  # [N, 32, 32]
    grating = np.sin(2 * np.pi * freq[:, None, None] * u + phase[:, None, None])
    cy, cx = rng.uniform(0.25, 0.75, (2, n))
    window = np.exp(-((yy - cy[:, None, None]) ** 2 + (xx - cx[:, None, None]) ** 2) / 0.08)
    contrast = rng.uniform(0.25, 0.45, n)
    pattern = (contrast[:, None, None] * grating * window)[:, None]  # [N, 1, 32, 32]
    img = 0.5 + COLOURS[c][:, :, None, None] * pattern  # [N, 3, 32, 32]
    img += rng.normal(0, noise, img.shape)
    return (np.clip(img, 0, 1) * 255).round().astype(np.uint8).reshape(n, 3072)


def _labels(n_classes: int, per_class: int, rng: np.random.Generator) -> np.ndarray:
    return rng.permutation(np.repeat(np.arange(n_classes), per_class))


def _dump(path: str, d: dict) -> None:
    """A pickle like the original files: a dict with bytes keys (protocol 2)."""
    with open(path, "wb") as f:
        pickle.dump({k.encode(): v for k, v in d.items()}, f, protocol=2)


def write(out: str, train: int = 500, test: int = 100, train100: int = 50, test100: int = 50,
          noise: float = 0.25, seed: int = 0) -> None:
    """The whole synthetic data set under `out` (see the module docstring)."""
    codes = class_codes(seed)
    rng = np.random.default_rng([seed, 2])
    c10 = os.path.join(out, "cifar-10-batches-py")
    os.makedirs(c10, exist_ok=True)
    y = _labels(N10, train, rng)
    x = images(y, codes, noise, rng)
    for i, part in enumerate(np.array_split(np.arange(len(y)), 5)):
        _dump(os.path.join(c10, f"data_batch_{i + 1}"), {
            "batch_label": f"SYNTHETIC training batch {i + 1} of 5 (not CIFAR)",
            "labels": [int(v) for v in y[part]], "data": x[part],
            "filenames": [f"synthetic_{j}.png" for j in part]})
    y = _labels(N10, test, rng)
    _dump(os.path.join(c10, "test_batch"), {
        "batch_label": "SYNTHETIC testing batch 1 of 1 (not CIFAR)", "labels": y.tolist(),
        "data": images(y, codes, noise, rng), "filenames": ["synthetic.png"] * len(y)})
    _dump(os.path.join(c10, "batches.meta"), {
        "num_cases_per_batch": -(-N10 * train // 5), "num_vis": 3072,
        "label_names": [f"synthetic-c{c:03d}" for c in range(N10)]})
    c100 = os.path.join(out, "cifar-100-python")
    os.makedirs(c100, exist_ok=True)
    for split, per_class in (("train", train100), ("test", test100)):
        y = _labels(N100, per_class, rng)
        _dump(os.path.join(c100, split), {
            "batch_label": f"SYNTHETIC {split} (not CIFAR)", "fine_labels": y.tolist(),
            "coarse_labels": (y // 5).tolist(), "data": images(N10 + y, codes, noise, rng),
            "filenames": ["synthetic.png"] * len(y)})
    _dump(os.path.join(c100, "meta"), {
        "fine_label_names": [f"synthetic-c{N10 + c:03d}" for c in range(N100)],
        "coarse_label_names": [f"synthetic-group{g}" for g in range(20)]})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="data root to write (gets cifar-10-batches-py/, cifar-100-python/)")
    ap.add_argument("--train", type=int, default=500, help="training images per class, part 10")
    ap.add_argument("--test", type=int, default=100, help="test images per class, part 10")
    ap.add_argument("--train100", type=int, default=50, help="training images per class, part 100")
    ap.add_argument("--test100", type=int, default=50, help="test images per class, part 100")
    ap.add_argument("--noise", type=float, default=0.25, help="pixel noise std (images in [0, 1])")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    for name in ("train", "test", "train100", "test100"):
        if not 1 <= getattr(a, name) <= 6000:
            ap.error(f"--{name} must be in 1..6000")
    if not 0 <= a.noise <= 10:
        ap.error("--noise must be in [0, 10]")
    write(a.out, a.train, a.test, a.train100, a.test100, a.noise, a.seed)
    print(f"wrote a SYNTHETIC (not CIFAR) data set in CIFAR's file format under {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
