"""Write the lecture mode's recorded curves into assets/lecture/*.json (run by `make assets`).

    PYTHONPATH=. .venv/bin/python scripts/make_lecture_assets.py      (~20 s on one core)

The lecture's first step shows every task's function after task 1, after task 2, ... for
fine-tuning and for HNET on the 1-D toy. The bundled demo runs hold only their final state, so this
trains the two presets again with the library (the same configs as the demos 01 and 03:
`default_config("regression1d", method)`, seed 0) and, at the end of each task, samples each
task's function on a 100-point grid (hnviz.analysis.task_ends.record_task_ends, which calls
hnviz.analysis.views.train_extras). Training is deterministic, so the last snapshot equals the
demo's final state. Each file is a few KB (hnviz.analysis.task_ends documents the format).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hnviz.analysis.task_ends import parse_task_ends, record_task_ends, task_ends_dict  # noqa: E402
from hnviz.core.benchmarks import benchmark  # noqa: E402
from hnviz.core.io import write_atomic  # noqa: E402
from hnviz.core.presets import default_config  # noqa: E402
from hnviz.core.trainer import Trainer  # noqa: E402

OUT = ROOT / "assets" / "lecture"
BENCHMARK = "regression1d"
# (file stem, method, display name; {beta}: the preset's)
RUNS = [
    ("forgetting-finetune", "finetune", "Fine-tuning"),
    ("forgetting-hnet", "hnet", "HNET β={beta:g}"),
]


def main() -> int:
    for stem, method, name in RUNS:
        cfg = default_config(BENCHMARK, method)
        name = name.format(beta=cfg.train.beta)
        t0 = time.perf_counter()
        trainer = Trainer(cfg)
        snaps = record_task_ends(trainer)
        names = benchmark(BENCHMARK).task_names(trainer.n_tasks)
        doc = task_ends_dict(trainer, snaps, name, names)
        parse_task_ends(doc)  # what the app will read back
        text = json.dumps(doc, separators=(",", ":")).encode()
        path = write_atomic(OUT / f"{stem}.json", lambda f, b=text: f.write(b))
        print(f"{path.relative_to(ROOT)}: {len(text) / 1e3:.1f} kB, {len(snaps)} task ends, "
              f"final MSE {[round(v, 4) for v in trainer.history['R'][-1]]}, "
              f"{time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
