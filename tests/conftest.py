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
# AppTest runs the app in this process: train with the in-process pool (one background thread)
# instead of spawning worker processes per test session. The browser tests start a real server
# with real worker processes (tests/e2e/helpers.start_streamlit sets HNVIZ_WORKERS=2).
os.environ["HNVIZ_WORKERS"] = "0"
# Page guards (hnviz.ui.page.guard) re-raise after showing their message, so AppTest and the
# browser tests see every error a page hits instead of a friendly box they would pass over.
os.environ["HNVIZ_STRICT"] = "1"


def pytest_unconfigure(config) -> None:
    shutil.rmtree(_RUNS_DIR, ignore_errors=True)
