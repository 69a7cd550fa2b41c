"""Reference runs recorded before the registry refactor must come out bit for bit the same.

Every embedded benchmark × every method (plus the HNET regularizer's other code paths), 40
iterations per task; see scripts/record_golden.py, which also re-records them.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_spec = importlib.util.spec_from_file_location("record_golden",
                                               ROOT / "scripts" / "record_golden.py")
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)


def test_every_case_has_a_file():
    assert sorted(p.stem for p in golden.GOLDEN_DIR.glob("*.json")) == sorted(golden.cases())


@pytest.mark.parametrize("name", list(golden.cases()))
def test_history_is_bit_identical(name):
    rec = json.loads(golden.path_of(name).read_text())
    if rec["fingerprint"] != golden.fingerprint():
        pytest.skip(f"recorded on {rec['fingerprint']}, this is {golden.fingerprint()}: float "
                    "kernels differ; re-record with scripts/record_golden.py on a trusted commit")
    got = golden.run_case(name)
    want = rec["history"]
    assert set(got) == set(want)
    for key in want:  # one key at a time, so a failure names what changed
        assert got[key] == want[key], f"{name}: history[{key!r}] changed"
