"""hnviz against the authors' library, hypnettorch 0.0.4, side by side (prints figures; not a test).

Each row trains the same continual-learning problem (sklearn's bundled 8×8 digits, hnviz's own
task tensors on both sides) once per side per repeat, each run in its own Python process with
ONE torch thread (OMP_NUM_THREADS=1, torch.set_num_threads(1)), alternating hnviz, peer, hnviz,
peer so that machine drift hits both sides. Printed per row:

  ratio        hnviz / peer whole-process wall time (python start to exit; lower is better)
  loop ratio   the same for the training loop alone (imports, data and model setup excluded)
  accuracy     mean final test accuracy over all tasks, hnviz / peer
  forgetting   mean over tasks of (best earlier accuracy − final accuracy), points, hnviz / peer
  P            target-network weights each generated network holds, hnviz / peer
  ms/step      training ms per step (evaluation included) of the first and the last task

Rows (1000 iterations per task, β = 0.01, Adam lr 1e-3, batch 32, every previous task
regularized every step, evaluation of all seen tasks every 50 steps on both sides):

  split-chunked     Split Digits (5 tasks), chunked hypernet (100,100), chunk 2000, chunk emb 8,
                    task embedding 32, target 64-100-100-heads
  permuted-chunked  Permuted Digits (10 tasks), the same hypernet
  split-mlp         Split Digits, full MLP hypernet (100,100), task embedding 32
  permuted-mlp      Permuted Digits, full MLP hypernet (100,100), task embedding 32
  split-preset      each side's own setting: hnviz `default_config("split-digits", "hnet")`,
  permuted-preset   the peer as its example script `hypnettorch/examples/hypercl/run.py` defaults
                    (PEER_PRESET below); iterations, batch and lr as above

Heads (`--heads`): hnviz's HNET target holds one output head per task inside every generated
network ("multi"); the paper generates only the task's own head ("single"). `hnviz` (default)
mirrors whatever hnviz builds for the row, so both sides train identical networks (checked: the
number of target weights P must match); `multi`/`single` force a layout through hnviz's config
(HEAD_KEYS) and stop with a message if hnviz builds something else. The preset rows use each
side's own layout (the peer example: single).

Usage: python benchmarks/bench_peer.py [--quick] [--repeats 2] [--rows split-chunked,...]
                                       [--heads hnviz|multi|single] [--json out.json]
Needs the development requirements (hypnettorch==0.0.4, matplotlib). See docs/SPEED.md.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEER_RUNNER = Path(__file__).resolve().parent / "peer_hypnettorch.py"

ITERS, BETA, LR, BATCH, EVAL_EVERY = 1000, 0.01, 1e-3, 32, 50

# The peer's own setting for this size: the defaults of hypnettorch's CL example script
# (examples/hypercl/run.py: chunked_hmlp, hmlp_arch 100,100, cond_emb_size 8, chmlp_chunk_size 750,
# chunk_emb_size 8, beta 0.01, batch 32, hnet_reg_batch_size -1 = all previous tasks, out_shape =
# classes per task, Adam over hnet.parameters(), validation of the current task every 500 steps).
# Its lr default is 1e-4; we keep the table's 1e-3 (at 1e-4, 1000 steps under-train both sides).
PEER_PRESET = {
    "hnet": {"kind": "chunked", "hidden": [100, 100], "emb_dim": 8, "chunk_size": 750,
             "chunk_emb_dim": 8},
    "target_hidden": [100, 100], "beta": 0.01, "reg_tasks": 0, "heads": "single",
    "opt_params": "all", "eval": "current", "eval_every": 500,
}

# hnviz config keys that choose the head layout of HNET's target: {key: {layout: value}}.
HEAD_KEYS = {"train.multi_head": {"multi": True, "single": False}}


@dataclass(frozen=True)
class Row:
    name: str
    label: str
    benchmark: str
    hnet: dict | None = None  # None: each side's preset
    preset: bool = False
    extra: dict = field(default_factory=dict)


_CHUNKED = {"kind": "chunked", "hidden": [100, 100], "emb_dim": 32, "chunk_size": 2000,
            "chunk_emb_dim": 8}
_MLP = {"kind": "mlp", "hidden": [100, 100], "emb_dim": 32, "chunk_size": 2000,
        "chunk_emb_dim": 8}
ROWS = (
    Row("split-chunked", "Split Digits, chunked (100,100), chunk 2000, emb 32", "split-digits",
        _CHUNKED),
    Row("permuted-chunked", "Permuted Digits ×10, same, all previous regularized",
        "permuted-digits", _CHUNKED),
    Row("split-mlp", "Split Digits, full MLP hypernet (100,100)", "split-digits", _MLP),
    Row("permuted-mlp", "Permuted Digits ×10, full MLP hypernet (100,100)", "permuted-digits",
        _MLP),
    Row("split-preset", "Split Digits, each side's preset", "split-digits", preset=True),
    Row("permuted-preset", "Permuted Digits ×10, each side's preset", "permuted-digits",
        preset=True),
)


# ---------------------------------------------------------------------------------- configs
def _set(d: dict, dotted: str, value) -> None:
    *path, key = dotted.split(".")
    for p in path:
        d = d[p]
    if key not in d:
        raise SystemExit(f"error: hnviz's config has no key {dotted!r}")
    d[key] = value


def hnviz_config(row: Row, a: argparse.Namespace, heads: str | None) -> dict:
    """The RunConfig dict hnviz runs for this row: its preset plus the row's overrides."""
    from hnviz.core.presets import default_config

    cfg = default_config(row.benchmark, "hnet").to_dict()
    over = {"train.iters_per_task": a.iters, "train.seed": a.seed, "task.seed": a.seed}
    if not row.preset:
        h = row.hnet
        over |= {"hnet.kind": h["kind"], "hnet.hidden": h["hidden"], "hnet.emb_dim": h["emb_dim"],
                 "hnet.chunk_size": h["chunk_size"], "hnet.chunk_emb_dim": h["chunk_emb_dim"],
                 "target.hidden": [100, 100], "train.beta": BETA, "train.lr": LR,
                 "train.batch_size": BATCH, "train.reg_tasks": 0,
                 "train.eval_every": a.eval_every}
        if heads in ("multi", "single"):
            key = next((k for k in HEAD_KEYS if _has(cfg, k)), None)
            if key is None:
                raise SystemExit(f"error: hnviz's config has none of {list(HEAD_KEYS)}; "
                                 "cannot force --heads " + heads)
            over[key] = HEAD_KEYS[key][heads]
    for k, v in over.items():
        _set(cfg, k, v)
    return cfg


def _has(d: dict, dotted: str) -> bool:
    *path, key = dotted.split(".")
    for p in path:
        d = d.get(p, {})
    return key in d


def _target_params(in_dim: int, hidden: list[int], out: int) -> int:
    widths = [in_dim, *hidden, out]
    return sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))


def probe_heads(cfg: dict) -> tuple[str, int]:
    """Which head layout hnviz builds for `cfg` ("multi"/"single") and its target size P,
    read from a constructed Trainer (public API: `Trainer.target_params`)."""
    from hnviz.core.config import RunConfig
    from hnviz.core.trainer import Trainer

    tr = Trainer(RunConfig.from_dict(cfg))
    seq, hidden = tr.seq, list(tr.cfg.target.hidden)
    p = tr.target_params
    for layout, heads in (("multi", seq.n_tasks), ("single", 1)):
        if p == _target_params(seq.in_dim, hidden, seq.out_dim * heads):
            return layout, p
    raise SystemExit(f"error: hnviz's target has {p} weights, neither one head per task nor "
                     "one head per network; update bench_peer.probe_heads")


def peer_spec(row: Row, a: argparse.Namespace, heads: str) -> dict:
    spec = {"benchmark": row.benchmark, "n_tasks": None, "seed": a.seed, "iters": a.iters,
            "batch_size": BATCH, "lr": LR}
    if row.preset:
        return spec | copy.deepcopy(PEER_PRESET)
    return spec | {"hnet": dict(row.hnet), "target_hidden": [100, 100], "beta": BETA,
                   "reg_tasks": 0, "heads": heads, "opt_params": "theta+emb", "eval": "seen",
                   "eval_every": a.eval_every}


# ---------------------------------------------------------------------------------- running
def _env() -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", HNVIZ_THREADS="1")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_side(argv: list[str]) -> tuple[float, dict]:
    """Run one side in a fresh process: (whole-process wall seconds, its JSON result)."""
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, *argv], cwd=ROOT, env=_env(), capture_output=True,
                       text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"error: {' '.join(argv[:2])} failed ({p.returncode}):\n"
                         f"{p.stderr[-3000:]}")
    return wall, json.loads(p.stdout.strip().splitlines()[-1])


def hnviz_worker(cfg_json: str) -> int:
    """One hnviz run through its public API (RunConfig.from_dict + Trainer); prints one JSON line."""
    t_start = time.perf_counter()
    import torch

    from hnviz.core.config import RunConfig
    from hnviz.core.trainer import Trainer

    torch.set_num_threads(1)
    tr = Trainer(RunConfig.from_dict(json.loads(cfg_json)))
    t_train = time.perf_counter()
    ms = []
    for _ in range(tr.n_tasks):
        t0 = time.perf_counter()
        tr.advance(tr.iters)
        ms.append(1000 * (time.perf_counter() - t0) / tr.iters)
        if tr.error:
            print(f"error: {tr.error}", file=sys.stderr)
            return 1
    t_end = time.perf_counter()
    print(json.dumps({"side": "hnviz", **tr.summary(), "acc_matrix": tr.history["R"],
                      "target_params": tr.target_params, "train_s": t_end - t_train,
                      "setup_s": t_train - t_start, "ms_per_step_by_task": ms,
                      "torch": torch.__version__}))
    return 0


def bench_row(row: Row, a: argparse.Namespace) -> dict:
    cfg = hnviz_config(row, a, a.heads)
    heads, p = probe_heads(cfg)
    if a.heads in ("multi", "single") and not row.preset and heads != a.heads:
        raise SystemExit(f"error: asked for --heads {a.heads} but hnviz builds '{heads}' "
                         f"({p} target weights) for {row.name}")
    spec = peer_spec(row, a, heads)
    sides = {"hnviz": [__file__, "--worker", "hnviz", json.dumps(cfg)],
             "peer": [str(PEER_RUNNER), json.dumps(spec)]}
    walls: dict[str, list[float]] = {"hnviz": [], "peer": []}
    results: dict[str, list[dict]] = {"hnviz": [], "peer": []}
    for rep in range(a.repeats):
        for side in ("hnviz", "peer"):  # A B A B ...
            wall, res = run_side(sides[side])
            walls[side].append(wall)
            results[side].append(res)
            print(f"  {row.name} rep {rep + 1}/{a.repeats} {side:5s}: {wall:6.1f} s "
                  f"(loop {res['train_s']:.1f} s) acc {100 * res['mean_final']:.1f}",
                  file=sys.stderr, flush=True)
    return {"row": row.name, "label": row.label, "heads": {"hnviz": heads,
                                                           "peer": spec["heads"]},
            "walls": walls, "results": results, "hnviz_config": cfg, "peer_spec": spec}


def _mean(xs: list[float]) -> float:
    return statistics.fmean(xs)


def print_table(out: list[dict], a: argparse.Namespace) -> None:
    print(f"\nhnviz vs hypnettorch 0.0.4: {a.iters} iters/task, {a.repeats} runs per side "
          f"alternated, 1 torch thread each (mean wall; ratio = hnviz/peer, lower is better)")
    hdr = (f"{'row':17s} {'hnviz s':>8s} {'peer s':>8s} {'ratio':>6s} {'loop':>6s}  "
           f"{'acc % hnviz/peer':>17s}  {'forget pts':>11s}  {'P hnviz/peer':>13s}  "
           f"{'ms/step 1st→last task: hnviz | peer'}")
    print(hdr)
    print("-" * len(hdr))
    for r in out:
        wh, wp = _mean(r["walls"]["hnviz"]), _mean(r["walls"]["peer"])
        lh = _mean([x["train_s"] for x in r["results"]["hnviz"]])
        lp = _mean([x["train_s"] for x in r["results"]["peer"]])
        h, p = r["results"]["hnviz"][-1], r["results"]["peer"][-1]
        mh, mp = h["ms_per_step_by_task"], p["ms_per_step_by_task"]
        print(f"{r['row']:17s} {wh:8.1f} {wp:8.1f} {wh / wp:6.2f} {lh / lp:6.2f}  "
              f"{100 * h['mean_final']:8.1f} /{100 * p['mean_final']:6.1f}  "
              f"{100 * h['forgetting']:5.2f}/{100 * p['forgetting']:5.2f}  "
              f"{h['target_params']:6d}/{p['target_params']:6d}  "
              f"{mh[0]:5.2f}→{mh[-1]:5.2f} | {mp[0]:5.2f}→{mp[-1]:5.2f}")
        drift = {s: len({round(x["mean_final"], 6) for x in r["results"][s]}) > 1
                 for s in ("hnviz", "peer")}
        if any(drift.values()):
            print(f"  note: accuracy differed between repeats for {[s for s, d in drift.items() if d]}")
    print("heads: " + ", ".join(f"{r['row']}={r['heads']['hnviz']}/{r['heads']['peer']}"
                                for r in out))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["--worker", "hnviz"] and len(argv) == 3:
        return hnviz_worker(argv[2])
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 100 iterations per task")
    ap.add_argument("--iters", type=int, help=f"iterations per task (default {ITERS})")
    ap.add_argument("--repeats", type=int, default=2, help="runs per side (alternated)")
    ap.add_argument("--rows", default=",".join(r.name for r in ROWS),
                    help="comma-separated subset of: " + ", ".join(r.name for r in ROWS))
    ap.add_argument("--heads", choices=("hnviz", "multi", "single"), default="hnviz",
                    help="head layout at equal architecture (default: mirror hnviz)")
    ap.add_argument("--eval-every", type=int, default=EVAL_EVERY)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="also write all figures to this file")
    a = ap.parse_args(argv)
    a.iters = a.iters or (100 if a.quick else ITERS)
    names = [n.strip() for n in a.rows.split(",") if n.strip()]
    by_name = {r.name: r for r in ROWS}
    unknown = [n for n in names if n not in by_name]
    if unknown or a.repeats < 1 or a.iters < 1 or a.eval_every < 1:
        ap.error(f"unknown rows {unknown}" if unknown else "repeats, iters, eval-every must be ≥ 1")
    sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    out = [bench_row(by_name[n], a) for n in names]
    print_table(out, a)
    print(f"total {time.perf_counter() - t0:.0f} s")
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
