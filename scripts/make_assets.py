"""Train the bundled demo runs into assets/runs/*.pt (run: `make assets`, ~1 minute on a laptop).

Each demo is an ordinary run file (hnviz.core.io.save_run) trained with the core Trainer from a
preset, so the app opens with finished runs on every page and users can compare methods without
training. `meta["demo"]` holds the display name and a one-line description.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hnviz.core.io import save_run  # noqa: E402
from hnviz.core.presets import default_config  # noqa: E402
from hnviz.core.trainer import Trainer  # noqa: E402

OUT = ROOT / "assets" / "runs"

# (file stem, benchmark, method, train overrides, display name, description); the first is the
# run the app shows on first open.
DEMOS = [
    ("01-regression-hnet", "regression1d", "hnet", {"beta": 0.005},
     "Demo · regression · HNET β=0.005",
     "The paper's 1-D toy: the hypernet keeps every task's function in place."),
    ("02-regression-hnet-beta0", "regression1d", "hnet", {"beta": 0.0},
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
]


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for stem, bench, method, train, name, desc in DEMOS:
        cfg = default_config(bench, method).replace(train=train, name=name)
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
