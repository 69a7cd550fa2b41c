"""The memory estimate against reality at the app's corners (issue 22): the largest
configurations the app admits (each family grown until `APP_DEFAULTS` would refuse it), run in a
fresh process (`benchmarks/estimate_probe.py`: the last task, every grown buffer full), peak at
most what the estimate said — so within the budget they were admitted under — and the estimate
is at most 1.5× the measured peak. The full grid with step times:
benchmarks/bench_estimates.py (figures in docs/LIMITS.md).

Step times are not asserted here (timings on shared machines are noisy); what is tested is that
a configuration whose step takes many seconds is refused before it starts, and one that takes a
second or more is warned about on the Train page."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hnviz.core.admission import admit
from hnviz.core.config import ConfigError
from hnviz.core.limits import APP_DEFAULTS, LIBRARY
from hnviz.core.presets import default_config
from hnviz.core.sizes import SLOW_STEP_S, memory_estimate, step_estimate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_estimates import APP_CORNERS, app_corner  # noqa: E402

# a few corners in CI, each a few seconds; the benchmark runs them all
CI_CORNERS = [n for n in APP_CORNERS if "chunked hnet" in n or "EWC" in n or "scratch" in n]
# the largest link of issue 22: estimated at 1535 MB before, it peaked at ~2.9 GB
ISSUE_LINK = default_config("permuted-digits", "hnet").replace(
    task={"n_tasks": 50}, target={"hidden": (1024, 1024)},
    hnet={"hidden": (1024, 1024), "chunk_size": 200, "emb_dim": 64})


def probe(cfg, steps: int = 3) -> dict:
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "estimate_probe.py"),
                        json.dumps(cfg.to_dict()), str(steps)],
                       capture_output=True, text=True, timeout=1200, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("name", CI_CORNERS)
def test_the_apps_largest_configurations_stay_within_their_estimate(name):
    bench, method, target, changes, steps = APP_CORNERS[name]
    cfg = app_corner(bench, method, target, changes)
    est = memory_estimate(cfg).mb
    assert est <= APP_DEFAULTS.max_memory_mb
    d = probe(cfg, steps)
    assert d["exact_peak"] and d["error"] is None
    measured = d["measured_mb"]
    print(f"{name}: estimate {est:.0f} MB, measured {measured:.0f} MB ({est / measured:.2f}×)")
    assert measured > 200, d  # a corner is large: the ratio means something
    assert measured <= est <= 1.5 * measured, (est, measured, d["phases"])


def test_the_issues_link_is_refused_by_its_real_size():
    with pytest.raises(ConfigError, match=r"this run needs ~3\.\d GB, more than the 1536 MB "
                                          r"budget .*hypernet output-scale calibration"):
        admit(ISSUE_LINK, APP_DEFAULTS)
    assert step_estimate(ISSUE_LINK).seconds > SLOW_STEP_S  # and slow: ~3 s a step


def test_a_step_of_many_seconds_is_refused_before_it_starts():
    joint = default_config("permuted-digits", "joint").replace(
        task={"n_tasks": 50}, target={"hidden": (1024, 1024)}, train={"batch_size": 1024})
    assert memory_estimate(joint).mb < APP_DEFAULTS.max_memory_mb  # memory alone admits it
    with pytest.raises(ConfigError, match=r"one training step of this run takes ~\d+\.\d s on "
                                          r"a CPU core, more than the 5 s limit "
                                          r"\(HNVIZ_LIMIT_MAX_STEP_S\); the largest part: "
                                          r"target forward and backward"):
        admit(joint, APP_DEFAULTS)
    admit(joint, LIBRARY)  # the command line may take its time (limit: 10 min)


def test_the_train_page_warns_about_a_slow_step():
    from tests.apptest_helpers import open_app

    link = {"benchmark": "permuted-digits", "method": "joint", "tasks": "20",
            "target": "resnet32"}
    slow = default_config("permuted-digits", "joint", "resnet32").replace(task={"n_tasks": 20})
    assert SLOW_STEP_S <= step_estimate(slow).seconds <= APP_DEFAULTS.max_step_s
    admit(slow, APP_DEFAULTS)
    at = open_app("pages/1_Train.py", **link)
    warnings = [w.value for w in at.warning]
    assert any("One training step of this setup takes ~" in w and "slow" in w
               for w in warnings), warnings
    fast = open_app("pages/1_Train.py", benchmark="permuted-digits")
    assert not any("training step" in w.value for w in fast.warning)


def test_presets_are_fast_enough_for_the_app():
    """Every preset admitted by the app's step limit (also asserted for memory in
    test_limits.py), the heaviest (Split CIFAR, joint training of ResNet-32s) included."""
    from hnviz.core.benchmarks import BENCHMARKS
    from hnviz.core.method_specs import METHODS

    worst = max(step_estimate(default_config(b, m)).seconds for b in BENCHMARKS for m in METHODS)
    assert worst <= APP_DEFAULTS.max_step_s, worst
