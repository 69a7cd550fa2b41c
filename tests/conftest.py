"""Suite-wide setup: the repo root is importable via `pythonpath = ["."]` in pyproject.toml.

Every test session gets its own throwaway runs folder, so no test ever writes into the user's
`runs/` directory (the app and library read the location from $HNVIZ_RUNS_DIR).
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

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


@pytest.fixture(scope="session")
def hnviz_wheel(tmp_path_factory):
    """hnviz's wheel, built once per session from a copy of this checkout."""
    from tests.packaging_helpers import build_wheel

    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def installed_hnviz(hnviz_wheel, tmp_path_factory):
    """A new venv with hnviz installed from the wheel: "overlay" (its dependencies read from this
    environment), or with HNVIZ_INSTALL_CHECK=fresh (.ci/run) installed by pip from the index
    (PyTorch's stack linked). Removed at the end of the session."""
    from tests.packaging_helpers import install_mode, make_env

    root = tmp_path_factory.mktemp("installed") / "venv"
    env = make_env(root, hnviz_wheel, install_mode())
    print(f"\ninstalled hnviz ({env.mode}) in {env.install_s:.1f} s")
    yield env
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def cluster_hnviz(hnviz_wheel, installed_hnviz, tmp_path_factory):
    """An installed hnviz whose environment also has dask and ray (the crash tests' scheduler,
    workers, head node and client): `installed_hnviz` itself unless that is a fresh install."""
    from tests.packaging_helpers import make_env

    if installed_hnviz.mode == "overlay":
        yield installed_hnviz
        return
    root = tmp_path_factory.mktemp("cluster") / "venv"
    yield make_env(root, hnviz_wheel, "overlay")
    shutil.rmtree(root, ignore_errors=True)
