"""The bundled demo runs (assets/runs/*.pt) are trained from today's presets.

The Train page starts a fresh user on `default_config(benchmark, method)` and says "the settings on
the left differ" whenever the shown run's config is not the same setup (train_actions.same_setup).
A preset or a config field that changes without `make assets` leaves demos the app can no longer
reproduce; these tests fail then (tests/test_ui_pages.py checks the fresh Train page itself).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from hnviz.core.presets import default_config
from hnviz.serve.demos import demos
from hnviz.ui.train.actions import same_setup

ROOT = Path(__file__).resolve().parents[1]


def _demo_table() -> list[tuple]:
    """scripts/make_assets.py's DEMOS: (stem, benchmark, method, overrides by config section,
    name, text)."""
    spec = importlib.util.spec_from_file_location("make_assets", ROOT / "scripts" /
                                                  "make_assets.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.DEMOS


DEMOS = _demo_table()


def test_every_demo_in_the_table_is_bundled_and_nothing_else() -> None:
    assert sorted(d.file for d in demos()) == sorted(f"{row[0]}.pt" for row in DEMOS)


@pytest.mark.parametrize("stem, bench, method, overrides", [row[:4] for row in DEMOS],
                         ids=[row[0] for row in DEMOS])
def test_demo_config_is_its_preset(stem: str, bench: str, method: str, overrides: dict) -> None:
    """Every field of the bundled run equals the preset of its benchmark and method with only
    the overrides listed in make_assets.py (e.g. β = 0 for demo 02, CL3 for demos 09-10)."""
    d = next(x for x in demos() if x.file == f"{stem}.pt")
    want = default_config(bench, method).replace(**overrides)
    have = d.view.cfg
    diff = {f"{sec}.{k}": (v, want.to_dict()[sec][k])
            for sec, fields in have.to_dict().items() if isinstance(fields, dict)
            for k, v in fields.items() if want.to_dict()[sec].get(k) != v}
    assert same_setup(have, want), f"{stem} (bundled, preset) differ in {diff}: run `make assets`"

