"""Record (or check) short reference runs: every embedded benchmark × every method.

    PYTHONPATH=. .venv/bin/python scripts/record_golden.py [--check] [--only regression1d]

(`--only`: the cases whose names start so, e.g. after a benchmark's preset changed on purpose.)

Each case trains the benchmark's preset for that method (`default_config(benchmark, method)`),
shortened to ITERS iterations per task with an evaluation every EVAL_EVERY steps, and writes its
whole history (R, R0, loss rows, periodic evaluations, embedding trajectory, task-end steps; not
the wall time) to tests/golden/<case>.json. Python floats survive JSON exactly (repr round-trip),
so `tests/test_golden.py` can demand bit-identical histories: a refactor that changes any number
of any method on any embedded benchmark fails it.

The HNET cases cover the three code paths of the output regularizer: the toy's preset uses the
lookahead, split digits regularizes every previous task in one batched forward, permuted digits
a random subset (`reg_tasks=1`); two extra cases cross them (`hnet-no-lookahead` on the toy,
`hnet-all-previous` on permuted digits).

Float results depend on the CPU's kernels, so each file also stores where it was recorded
(`fingerprint()`); the test compares bit for bit only on a matching machine and skips elsewhere.
Every case runs with one torch thread (hnviz's default policy), whatever the caller set.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from hnviz.core.presets import default_config  # noqa: E402
from hnviz.core.threads import threads  # noqa: E402
from hnviz.core.trainer import MEASURED_HISTORY, Trainer  # noqa: E402

GOLDEN_DIR = ROOT / "tests" / "golden"
ITERS = 40
EVAL_EVERY = 10
BENCHMARKS = {"regression1d": None, "split-digits": None, "permuted-digits": 4}  # name -> n_tasks
METHODS = ("hnet", "finetune", "ewc", "online-ewc", "si", "joint", "scratch")
# case -> (benchmark, method, train overrides)
EXTRA = {
    "regression1d.hnet-no-lookahead": ("regression1d", "hnet", {"lookahead": False}),
    "permuted-digits.hnet-all-previous": ("permuted-digits", "hnet", {"reg_tasks": 0}),
}


def cases() -> dict[str, tuple[str, str, dict[str, Any]]]:
    out = {f"{b}.{m}": (b, m, {}) for b in BENCHMARKS for m in METHODS}
    out.update(EXTRA)
    return out


def config(benchmark: str, method: str, overrides: dict[str, Any]):
    return default_config(benchmark, method).replace(
        train={"iters_per_task": ITERS, "eval_every": EVAL_EVERY, **overrides},
        task={"n_tasks": BENCHMARKS[benchmark]})


def fingerprint() -> dict[str, str]:
    """What the float results depend on besides the code."""
    return {"torch": torch.__version__, "cpu": torch.backends.cpu.get_cpu_capability(),
            "machine": platform.machine()}


def run_case(name: str) -> dict[str, Any]:
    """The recorded history of one case (plain JSON values)."""
    benchmark, method, overrides = cases()[name]
    with threads(1):
        trainer = Trainer(config(benchmark, method, overrides))
        trainer.run(chunk=1000)
    assert trainer.error is None, f"{name}: {trainer.error}"
    hist = {k: v for k, v in trainer.history.items() if k not in MEASURED_HISTORY}
    return json.loads(json.dumps(hist))  # exactly what the file holds


def path_of(name: str) -> Path:
    return GOLDEN_DIR / f"{name}.json"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    ap.add_argument("--only", default="", help="comma-separated case-name prefixes")
    a = ap.parse_args()
    only = tuple(p for p in a.only.split(",") if p)
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    bad = 0
    for name in cases():
        if only and not name.startswith(only):
            continue
        hist = run_case(name)
        if a.check:
            ok = json.loads(path_of(name).read_text())["history"] == hist
            bad += not ok
            print(f"{name}: {'same' if ok else 'DIFFERENT'}")
        else:
            rec = {"case": name, "fingerprint": fingerprint(), "history": hist}
            path_of(name).write_text(json.dumps(rec) + "\n")
            print(f"wrote {path_of(name).relative_to(ROOT)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
