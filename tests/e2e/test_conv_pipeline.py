"""Browser: a conv run through the whole pipeline. A server whose data root (HNVIZ_DATA) holds
tiny files in CIFAR's real format: train HNET with a ZenkeNet target on a reduced split CIFAR by
pressing Play, save it, load the saved file, draw its embedding landscape and walk between its
task embeddings."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import (
    APP_PATH,
    CHART,
    assert_no_exception,
    goto_app,
    run_and_wait,
    screenshot,
    start_streamlit,
    stop_server,
    wait_for_app,
)
from tests.test_datasets_cifar import write_cifar

pytestmark = pytest.mark.skipif(not APP_PATH.exists(), reason="app.py does not exist yet")
SIDEBAR = '[data-testid="stSidebar"]'
# 2 tasks × 3 steps, 1 image per class (10 per task), 3-D embeddings (no 32×32 landscape on the
# Interpolation page, which 2-D embeddings get)
SETUP = "benchmark=split-cifar&target=zenke&subset=1&iters=3&tasks=2&emb_dim=2"  # a plane: landscape


@pytest.fixture(scope="module")
def cifar_server(_e2e_prereqs) -> Iterator[tuple[str, Path]]:
    """(base URL, runs folder) of a server whose data root holds tiny CIFAR-format files."""
    tmp = Path(tempfile.mkdtemp(prefix="hnviz-e2e-cifar-"))
    write_cifar(tmp / "data")
    (tmp / "runs").mkdir()
    proc, url = start_streamlit(APP_PATH, tmp / "runs", tmp / "streamlit.log",
                                extra_env={"HNVIZ_DATA": str(tmp / "data")})
    try:
        yield url, tmp / "runs"
    finally:
        stop_server(proc)
        shutil.rmtree(tmp, ignore_errors=True)


def test_conv_run_trains_saves_loads_and_draws(cifar_server, browser_page) -> None:
    url, runs = cifar_server
    page = browser_page
    goto_app(page, f"{url}/Train?{SETUP}", timeout=120_000)
    page.get_by_text("Reduced version: at most 1 training and test images per class").wait_for()
    assert "not available" not in page.locator('[data-testid="stMain"]').inner_text()
    page.get_by_role("button", name=re.compile("Play")).click()
    page.locator(SIDEBAR).get_by_text("2/2 tasks done").wait_for(timeout=180_000)
    page.get_by_role("button", name=re.compile("Play")).wait_for(timeout=30_000)
    wait_for_app(page)
    assert_no_exception(page)
    assert "reduced: 1/class" in page.locator(SIDEBAR).inner_text()
    screenshot(page, "conv_train_done")

    page.get_by_text("Save or download this run").click()
    page.get_by_label("Name").fill("conv run")
    run_and_wait(page, lambda: page.get_by_role("button", name="Save", exact=True).click())
    page.get_by_text("Saved as").wait_for(timeout=15_000)
    assert list(runs.glob("users/*/saved/conv-run.pt"))

    goto_app(page, f"{url}/Checkpoints")
    run_and_wait(page, lambda: page.get_by_role("button", name="Load", exact=True).first.click())
    page.get_by_text("Loaded conv run").wait_for(timeout=30_000)
    assert_no_exception(page)

    goto_app(page, f"{url}/Embedding_space", timeout=300_000)
    page.get_by_text("Click anywhere on the plane").wait_for(timeout=300_000)
    assert_no_exception(page)
    assert page.locator(CHART).count() >= 1
    screenshot(page, "conv_embedding_landscape")

    goto_app(page, f"{url}/Interpolation", timeout=120_000)
    page.get_by_text("▶ Play").first.wait_for()
    page.get_by_text("▶ Play").first.click()
    page.wait_for_timeout(1000)
    assert_no_exception(page)
    screenshot(page, "conv_interpolation")
    assert not page.hnviz_page_errors, page.hnviz_page_errors
