"""Train the bundled demo runs into assets/runs/*.pt (run: `make assets`, ~2 minutes on a laptop).

Each demo is an ordinary run file (hnviz.core.io.save_run) trained with the core Trainer from a
preset, so the app opens with finished runs on every page and users can compare methods without
training. `meta["demo"]` holds the display name and a one-line description.

    python scripts/make_assets.py                       every demo
    python scripts/make_assets.py --only 01,02,03       the demos whose file names start so
                                                        (a preset changed: remake only those)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hnviz.core.io import save_run  # noqa: E402
from hnviz.core.presets import default_config  # noqa: E402
from hnviz.core.trainer import Trainer  # noqa: E402

OUT = ROOT / "assets" / "runs"

# (file stem, benchmark, method, overrides of the preset by config section, display name,
# description); the first is the run the app shows on first open.
CL3 = {"task": {"scenario": "cl3"}}  # the task is not given at test time: it must be inferred
DEMOS = [
    ("01-regression-hnet", "regression1d", "hnet", {},
     "Demo · regression · HNET β=0.1",
     "The paper's 1-D toy: the hypernet keeps every task's function in place."),
    ("02-regression-hnet-beta0", "regression1d", "hnet", {"train": {"beta": 0.0}},
     "Demo · regression · HNET β=0",
     "Same hypernet without the output regularizer: old tasks drift away."),
    ("03-regression-finetune", "regression1d", "finetune", {},
     "Demo · regression · fine-tuning",
     "One set of weights trained task after task: catastrophic forgetting."),
    ("04-split-digits-hnet", "split-digits", "hnet", {}, "Demo · split digits · HNET",
     "Five 2-class digit tasks with a chunked hypernetwork."),
    ("05-split-digits-finetune", "split-digits", "finetune", {},
     "Demo · split digits · fine-tuning", "Baseline without any protection against forgetting."),
    ("06-split-digits-ewc", "split-digits", "ewc", {}, "Demo · split digits · EWC",
     "Elastic weight consolidation (quadratic penalty weighted by the Fisher)."),
    ("07-split-digits-si", "split-digits", "si", {}, "Demo · split digits · SI",
     "Synaptic intelligence (path-integral importance)."),
    ("08-split-digits-joint", "split-digits", "joint", {}, "Demo · split digits · joint",
     "Upper bound: trains on all tasks seen so far at once."),
    ("09-split-digits-cl3-hnet", "split-digits", "hnet", CL3,
     "Demo · split digits CL3 · HNET+ENT",
     "The task is not given: the most certain generated network (lowest entropy) decides."),
    ("10-split-digits-cl3-replay", "split-digits", "hnet-replay", CL3,
     "Demo · split digits CL3 · HNET+R",
     "The task is not given: a task classifier trained on replayed samples decides."),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Train the bundled demo runs into assets/runs/.")
    ap.add_argument("--only", default="", help="comma-separated file-name prefixes (e.g. 01,02)")
    args = ap.parse_args(argv)
    only = tuple(p for p in args.only.split(",") if p)
    OUT.mkdir(parents=True, exist_ok=True)
    for stem, bench, method, overrides, name, desc in DEMOS:
        if only and not stem.startswith(only):
            continue
        cfg = default_config(bench, method).replace(**overrides, name=name)
        t0 = time.perf_counter()
        trainer = Trainer(cfg)
        trainer.run(chunk=500)
        meta = {"demo": {"name": name, "description": desc}}
        path = save_run(trainer, OUT / f"{stem}.pt", meta=meta)
        s = trainer.summary()
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1e3:.0f} kB, "
              f"{trainer.metric_name} {s['mean_final']:.4f}, BWT {s['bwt']:+.4f}, "
              f"{time.perf_counter() - t0:.1f} s" + (f", ERROR {trainer.error}" if trainer.error
                                                     else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
