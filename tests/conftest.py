"""Suite-wide setup: the repo root is importable via `pythonpath = ["."]` in pyproject.toml.

Every test session gets its own throwaway runs folder, so no test ever writes into the user's
`runs/` directory (the app and library read the location from $HNVIZ_RUNS_DIR).
"""

from __future__ import annotations

import os
import shutil
import tempfile

_RUNS_DIR = tempfile.mkdtemp(prefix="hnviz-test-runs-")
os.environ["HNVIZ_RUNS_DIR"] = _RUNS_DIR


def pytest_unconfigure(config) -> None:
    shutil.rmtree(_RUNS_DIR, ignore_errors=True)
