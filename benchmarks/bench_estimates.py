"""The memory and step-time estimates (`core/sizes.memory_estimate`, `step_estimate`: what the
limits admit a run by) against measured runs, over the corners a user can reach: benchmark ×
target (MLP, ZenkeNet, ResNet-32) × hypernet (full MLP, chunked; widths, chunk size) × tasks ×
method (HNET with all or k previous tasks regularized, lookahead, CL3; HNET+R; fine-tuning,
EWC, online EWC, SI, joint, from scratch). Each case runs in a fresh process
(`estimate_probe.py`: the last task of the run, every grown buffer full) and prints

    estimate / measured peak RSS above the warmed-up interpreter   (goal: 1.0 … 1.5)
    estimate / measured median step time                           (goal: 1.0 … 1.5)

The step is measured on one thread as CPU time (what the estimate models: one step on one core;
other jobs on a shared machine inflate wall time several-fold, CPU time far less), with the wall
time beside it; the figures in docs/LIMITS.md say under what load they were taken. MNIST cases need the real files
(--data-root, default ../shared/data); they are skipped without them. Split CIFAR runs on
synthetic files in CIFAR's format. (This replaces bench_memory_estimate.py.)

Usage: nice -n 10 .venv/bin/python benchmarks/bench_estimates.py [--only NAME-PART] [--json F]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BIG = {"target": {"hidden": (1024, 1024)},
       "hnet": {"kind": "chunked", "hidden": (1024, 1024), "chunk_size": 200, "emb_dim": 64}}

# name -> (benchmark, method, target kind or None, config sections to change, steps)
CASES: dict[str, tuple[str, str, str | None, dict, int]] = {
    # the largest link of issue 22: 50 tasks, 1024-wide target and chunked hypernet
    "permuted-digits HNET 50 tasks, 1024² target, 1024² chunked hnet, chunk 200": (
        "permuted-digits", "hnet", None, {**BIG, "task": {"n_tasks": 50}}, 3),
    "permuted-digits HNET 12 tasks, same nets, all previous regularized": (
        "permuted-digits", "hnet", None,
        {**BIG, "task": {"n_tasks": 12}, "train": {"reg_tasks": 0}}, 3),
    "permuted-digits HNET 50 tasks, 256² target, full MLP hnet (8,)": (
        "permuted-digits", "hnet", None,
        {"task": {"n_tasks": 50}, "target": {"hidden": (256, 256)},
         "hnet": {"kind": "mlp", "hidden": (8,), "emb_dim": 64}}, 6),
    "permuted-digits HNET 50 tasks, chunk 20000, hnet (64, 64)": (
        "permuted-digits", "hnet", None,
        {"task": {"n_tasks": 50}, "target": {"hidden": (512, 512)},
         "hnet": {"kind": "chunked", "hidden": (64, 64), "chunk_size": 20000,
                  "emb_dim": 64, "chunk_emb_dim": 64}}, 6),
    "permuted-digits HNET 10 tasks, lookahead, 256² nets": (
        "permuted-digits", "hnet", None,
        {"task": {"n_tasks": 10}, "target": {"hidden": (256, 256)},
         "hnet": {"hidden": (256, 256)}, "train": {"lookahead": True}}, 6),
    "permuted-digits HNET CL3, 20 tasks, 512² nets": (
        "permuted-digits", "hnet", None,
        {"task": {"n_tasks": 20, "scenario": "cl3"}, "target": {"hidden": (512, 512)},
         "hnet": {"hidden": (512, 512)}}, 6),
    "split-digits HNET preset": ("split-digits", "hnet", None, {}, 10),
    "permuted-digits HNET preset": ("permuted-digits", "hnet", None, {}, 10),
    "regression1d HNET, 8 tasks × 10000 points, 1024² target, chunked hnet": (
        "regression1d", "hnet", None,
        {"task": {"n_tasks": 8, "n_train": 10000, "n_test": 10000},
         "target": {"hidden": (1024, 1024)},
         "hnet": {"kind": "chunked", "hidden": (256, 256), "chunk_size": 4000},
         "train": {"batch_size": 1024}}, 6),
    "split-digits HNET+R preset": ("split-digits", "hnet-replay", None, {}, 6),
    "permuted-digits HNET+R, 20 tasks": (
        "permuted-digits", "hnet-replay", None, {"task": {"n_tasks": 20}}, 6),
    "permuted-digits EWC 50 tasks, 256² target": (
        "permuted-digits", "ewc", None,
        {"task": {"n_tasks": 50}, "target": {"hidden": (256, 256)}}, 6),
    "permuted-digits online EWC 50 tasks, 256² target": (
        "permuted-digits", "online-ewc", None,
        {"task": {"n_tasks": 50}, "target": {"hidden": (256, 256)}}, 6),
    "permuted-digits SI 50 tasks, 1024×3 target": (
        "permuted-digits", "si", None,
        {"task": {"n_tasks": 50}, "target": {"hidden": (1024, 1024, 1024)}}, 6),
    "permuted-digits joint 50 tasks, batch 1024, 1024² target": (
        "permuted-digits", "joint", None,
        {"task": {"n_tasks": 50}, "target": {"hidden": (1024, 1024)},
         "train": {"batch_size": 1024}}, 4),
    "permuted-digits from scratch 50 tasks, 1024² target": (
        "permuted-digits", "scratch", None,
        {"task": {"n_tasks": 50}, "target": {"hidden": (1024, 1024)}}, 6),
    "permuted-digits fine-tuning, 6 × 1024 layers, batch 1024": (
        "permuted-digits", "finetune", None,
        {"task": {"n_tasks": 50}, "target": {"hidden": (1024,) * 6},
         "train": {"batch_size": 1024}}, 6),
    "split-digits HNET ResNet-32 target, 2 tasks": (
        "split-digits", "hnet", "resnet32", {"task": {"n_tasks": 2}}, 4),
    "split-digits EWC ResNet-32, 2 tasks": (
        "split-digits", "ewc", "resnet32", {"task": {"n_tasks": 2}}, 4),
    # MNIST family: the real files
    "permuted-mnist HNET preset, 10 tasks": ("permuted-mnist", "hnet", None, {}, 10),
    "split-mnist EWC preset": ("split-mnist", "ewc", None, {}, 10),
    "split-mnist HNET ZenkeNet target, 2 tasks": (
        "split-mnist", "hnet", "zenke", {"task": {"n_tasks": 2}}, 4),
    "split-mnist HNET+R preset": ("split-mnist", "hnet-replay", None, {}, 4),
}

MNIST = ("split-mnist", "permuted-mnist")

# Split CIFAR on synthetic files in CIFAR's format (scripts/make_synthetic_cifar.py; the real
# files need a download): 16,000 images instead of 120,000, so the estimate, which counts the
# real files' 370 MB of uint8 images, is high by about that much
CIFAR_CASES: dict[str, tuple[str, str, str | None, dict, int]] = {
    "split-cifar HNET preset (ResNet-32), 2 tasks (synthetic files)": (
        "split-cifar", "hnet", None, {"task": {"n_tasks": 2}}, 3),
    "split-cifar fine-tuning, ZenkeNet, 2 tasks (synthetic files)": (
        "split-cifar", "finetune", "zenke", {"task": {"n_tasks": 2}}, 3),
    "split-cifar EWC (ResNet-32, chunked Fisher), 2 tasks (synthetic files)": (
        "split-cifar", "ewc", None, {"task": {"n_tasks": 2}}, 3),
}

# The app's corners: each family grown (one width) until the app's limits (APP_DEFAULTS: 50
# tasks, the 1536 MB budget) would refuse it: what a link or the form can reach at most.
# name -> (benchmark, method, target kind, sections with WIDTH where the width goes, steps)
APP_CORNERS: dict[str, tuple[str, str, str | None, dict, int]] = {
    "app corner: HNET, 50 tasks, 1024² target, chunked hnet (W, W), chunk 200": (
        "permuted-digits", "hnet", None,
        {"task": {"n_tasks": 50}, "target": {"hidden": (1024, 1024)},
         "hnet": {"kind": "chunked", "hidden": ("W", "W"), "chunk_size": 200, "emb_dim": 64}},
        3),
    "app corner: HNET all previous regularized, 50 tasks, target (W, W)": (
        "permuted-digits", "hnet", None,
        {"task": {"n_tasks": 50}, "target": {"hidden": ("W", "W")},
         "train": {"reg_tasks": 0}}, 3),
    "app corner: EWC, 50 tasks, target (W, W)": (
        "permuted-digits", "ewc", None,
        {"task": {"n_tasks": 50}, "target": {"hidden": ("W", "W")}}, 3),
    "app corner: joint, 50 tasks, batch 1024, target (W, W)": (
        "permuted-digits", "joint", None,
        {"task": {"n_tasks": 50}, "target": {"hidden": ("W", "W")},
         "train": {"batch_size": 1024}}, 3),
    "app corner: from scratch, 50 tasks, target (W, W, W)": (
        "permuted-digits", "scratch", None,
        {"task": {"n_tasks": 50}, "target": {"hidden": ("W", "W", "W")}}, 3),
}


def _with_width(changes: dict, w: int) -> dict:
    return {k: {f: (tuple(w if x == "W" else x for x in v) if isinstance(v, tuple) else v)
                for f, v in sec.items()} for k, sec in changes.items()}


def app_corner(bench: str, method: str, target: str | None, changes: dict, limits=None):
    """The config of the family with the largest width W (1 … max_width) the limits admit
    (its width: `corner_width`)."""
    from hnviz.core.admission import admit
    from hnviz.core.config import ConfigError
    from hnviz.core.limits import APP_DEFAULTS
    from hnviz.core.presets import default_config

    limits = limits or APP_DEFAULTS
    base = default_config(bench, method, target)

    def admitted(w: int):
        cfg = base.replace(**_with_width(changes, w))
        try:
            admit(cfg, limits)
        except ConfigError:
            return None
        return cfg

    lo, hi = 1, limits.max_width
    if admitted(lo) is None:
        raise ValueError(f"nothing of {changes} is admitted")
    while lo < hi:  # the largest admitted width
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if admitted(mid) is not None else (lo, mid - 1)
    return admitted(lo)


def corner_width(cfg, changes: dict) -> int:
    """W of a corner's config: the width where `changes` put "W"."""
    for section, fields in changes.items():
        for f, v in fields.items():
            if isinstance(v, tuple) and "W" in v:
                return getattr(getattr(cfg, section), f)[v.index("W")]
    raise ValueError("no W")


def case_config(bench: str, method: str, target: str | None, changes: dict, data_root: str):
    from hnviz.core.presets import default_config

    cfg = default_config(bench, method, target)
    changes = {k: dict(v) for k, v in changes.items()}
    if bench in MNIST or bench == "split-cifar":
        changes.setdefault("task", {})["data_root"] = data_root
    return cfg.replace(**changes)


def run_case(cfg, steps: int) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "estimate_probe.py"),
                        json.dumps(cfg.to_dict()), str(steps)],
                       capture_output=True, text=True, timeout=3600, cwd=ROOT, env=env)
    if r.returncode != 0:
        return {"failed": (r.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    roots = [p / "shared" / "data" for p in ROOT.parents]
    ap.add_argument("--data-root", default=str(next((r for r in roots if r.is_dir()), "data")))
    ap.add_argument("--json", default="", help="also write the figures to this file")
    a = ap.parse_args()
    from hnviz.core.datasets_torchvision import DataUnavailableError

    rows = []
    cases = {name: ("corner", b, m, t, ch, steps)
             for name, (b, m, t, ch, steps) in APP_CORNERS.items()}
    cases.update({name: ("case", *v) for name, v in CASES.items()})
    cases.update({name: ("cifar", *v) for name, v in CIFAR_CASES.items()})
    cifar_root = None
    print(f"{'case':76s} {'mem est':>8s} {'meas':>8s} {'ratio':>5s}  {'step est':>8s} "
          f"{'cpu':>8s} {'ratio':>5s} {'wall':>8s}")
    for name, (kind, bench, method, target, changes, steps) in cases.items():
        if a.only not in name:
            continue
        try:
            if kind == "corner":
                cfg = app_corner(bench, method, target, changes)
                name = f"{name} (W={corner_width(cfg, changes)})"
            elif kind == "cifar":
                if cifar_root is None:
                    import tempfile

                    sys.path.insert(0, str(ROOT / "scripts"))
                    from make_synthetic_cifar import write

                    cifar_root = tempfile.mkdtemp(prefix="hnviz-bench-cifar-")
                    write(cifar_root)  # ~60 MB of synthetic images in CIFAR's format
                cfg = case_config(bench, method, target, changes, cifar_root)
            else:
                cfg = case_config(bench, method, target, changes, a.data_root)
            if bench in MNIST:
                from hnviz.core.benchmarks import benchmark

                why = benchmark(bench).unavailable_reason(a.data_root)
                if why:
                    raise DataUnavailableError(why)
        except DataUnavailableError as e:
            print(f"{name:76s} skipped: {e}")
            continue
        d = run_case(cfg, steps)
        if "failed" in d:
            print(f"{name:76s} failed: {d['failed']}")
            continue
        mem = d["estimate_mb"] / d["measured_mb"] if d["measured_mb"] else float("inf")
        step = d["step_estimate_s"] / d["step_s"]
        print(f"{name:76s} {d['estimate_mb']:6.0f}MB {d['measured_mb']:6.0f}MB {mem:5.2f}  "
              f"{d['step_estimate_s'] * 1e3:6.1f}ms {d['step_s'] * 1e3:6.1f}ms {step:5.2f} "
              f"{d['step_wall_s'] * 1e3:6.1f}ms",
              flush=True)
        rows.append({"case": name, **d})
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1))
    if cifar_root is not None:
        import shutil

        shutil.rmtree(cifar_root, ignore_errors=True)


if __name__ == "__main__":
    main()
