"""Split CIFAR-10/100 forward transfer and forgetting in one command: HNET, fine-tuning, SI and
the from-scratch control, each trained by the CLI (`python -m hnviz train ... --json`), then a
per-task table and the summary the paper's Fig. 4 claim is about:

  right after task j   R[j, j]            (what training task j reached)
  final on task j      R[T−1, j]          (after all T tasks)
  forgetting           metrics.forgetting (mean over tasks 1..T−1 of best earlier − final)
  FWT vs scratch       metrics.fwt_vs_scratch (mean over tasks 2..T of R[j, j] − S[j, j])
  final − scratch      mean over tasks 2..T of R[T−1, j] − S[j, j] (the issue's comparison:
                       final accuracy on tasks 2–6 against the control)

Every option after `--` goes to each `train` call unchanged (the same budget for every method);
without `--`, the reduced CPU run of docs/REPRODUCTION.md (REDUCED). Without --data-root the
data root is $HNVIZ_DATA or data/, and the benchmark is skipped (exit 0, for `make bench`) when
no CIFAR-format files are there. Prints figures; not a test. Usage:
    python benchmarks/bench_split_cifar_fwt.py [--data-root data-synthetic] [--seeds 0,1]
        [--methods hnet,finetune,si,scratch] [--out-dir DIR] [-- --target zenke --subset 100 \
        --iters 400 --lr 1e-4]
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

from hnviz.core.datasets_cifar import missing_split  # noqa: E402
from hnviz.core.method_specs import METHODS  # noqa: E402
from hnviz.core.metrics import diagonal, forgetting, fwt_vs_scratch  # noqa: E402

CONTROL = next(m.name for m in METHODS.values() if m.control)
REDUCED = ["--target", "zenke", "--subset", "100", "--iters", "400", "--lr", "1e-4"]


def train(method: str, seed: int, data_root: str, extra: list[str], out: Path | None) -> dict:
    """One CLI run's --json summary (cached in `out` when given: a rerun with the same command
    reads it back)."""
    args = ["train", "--benchmark", "split-cifar", "--method", method, "--seed", str(seed),
            "--data-root", data_root, "--json", "--quiet", *extra]
    if out is not None and out.exists():
        cached = json.loads(out.read_text())
        if cached.get("bench_args") == args:
            return cached
    cmd = [sys.executable, "-m", "hnviz", *args]
    print("$", " ".join(cmd[1:]), flush=True)
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        sys.exit(f"{method} seed {seed} failed: {res.stderr.strip().splitlines()[-1:]}")
    d = {**json.loads(res.stdout), "bench_args": args}
    if out is not None:
        out.write_text(json.dumps(d))
    return d


def table(runs: dict[str, dict]) -> str:
    """Markdown: per method, right-after and final accuracy per task (%), then the summary."""
    T = len(next(iter(runs.values()))["acc_matrix"])
    S = runs[CONTROL]["acc_matrix"] if CONTROL in runs else None
    head = ("| method | " + " | ".join(f"task {j + 1}" for j in range(T))
            + f" | forgetting | FWT vs scratch | final − scratch (tasks 2–{T}) | min |")
    lines = [head, "|" + "---|" * (T + 5)]
    for m, d in runs.items():
        R = d["acc_matrix"]
        cells = [f"{100 * R[j][j]:.1f} → {100 * R[-1][j]:.1f}" for j in range(T)]
        fwt = final = "–"
        if S is not None and m != CONTROL:
            fwt = f"{100 * fwt_vs_scratch(R, S):+.1f}"
            final = f"{100 * sum(R[-1][j] - S[j][j] for j in range(1, T)) / (T - 1):+.1f}"
        lines.append(f"| {m} | " + " | ".join(cells)
                     + f" | {100 * forgetting(R):.1f} | {fwt} | {final} | {d['wall_s'] / 60:.1f} |")
    return "\n".join(lines)


def main() -> int:
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1:] if "--" in argv else REDUCED
    own = argv[:argv.index("--")] if "--" in argv else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-root", help="folder with the CIFAR(-format) files "
                                        "(default: $HNVIZ_DATA or data/; skipped if missing)")
    ap.add_argument("--seeds", default="0", help="comma-separated seeds")
    ap.add_argument("--methods", default=f"hnet,finetune,si,{CONTROL}")
    ap.add_argument("--out-dir", help="keep each run's JSON here (and reuse it on a rerun)")
    a = ap.parse_args(own)
    methods = [m for m in a.methods.split(",") if m]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        ap.error(f"unknown method(s) {unknown}; choices {tuple(METHODS)}")
    root = a.data_root or os.environ.get("HNVIZ_DATA") or str(ROOT / "data")
    missing = missing_split(root)
    if missing is not None:
        if a.data_root:
            sys.exit(f"error: {missing}")
        print(f"skipped: no split CIFAR files ({missing}); see docs/REPRODUCTION.md")
        return 0
    out_dir = Path(a.out_dir) if a.out_dir else None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    for seed in (int(s) for s in a.seeds.split(",") if s.strip()):
        runs = {m: train(m, seed, root, extra,
                         out_dir / f"{m}-seed{seed}.json" if out_dir else None) for m in methods}
        print(f"\nseed {seed}, train options: {' '.join(extra) or '(preset)'}")
        print("accuracy right after training each task → after all tasks (%)")
        print(table(runs))
        for m, d in runs.items():
            print(f"{m}: diagonal {[round(100 * v, 1) for v in diagonal(d['acc_matrix'])]}, "
                  f"final {[round(100 * v, 1) for v in d['acc_matrix'][-1]]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
