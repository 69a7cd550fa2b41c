"""The page guard cannot hide a broken page from the tests.

`hnviz.ui.page.guard` shows an error as a friendly one-line box so a user keeps working; in
strict mode (HNVIZ_STRICT=1, set for the whole suite in tests/conftest.py) it re-raises after
showing it. Here an error is planted in a function each page uses and the page's AppTest must
fail: the check every other page test relies on (`open_app` asserts `not at.exception`).
"""

from __future__ import annotations

import pytest

from hnviz.core.config import ConfigError
from hnviz.ui import page
from tests.apptest_helpers import open_app

PAGES = {  # page file -> a module attribute the page calls while it renders
    None: "hnviz.ui.home.layout.render",
    "pages/1_Train.py": "hnviz.ui.train.layout.render",
    "pages/2_Forgetting.py": "hnviz.ui.forgetting.layout.render",
    "pages/4_Checkpoints.py": "hnviz.ui.checkpoints.layout.render",
    "pages/5_Embedding_space.py": "hnviz.ui.embedding.layout.render",
    "pages/6_Interpolation.py": "hnviz.ui.interpolation.layout.render",
    "pages/7_Beta_explorer.py": "hnviz.ui.explorer.layout.render",
    "pages/8_Lecture.py": "hnviz.ui.lecture.layout.render",
    "pages/9_Paper.py": "hnviz.ui.paper.layout.render",
    "pages/3_Task_inference.py": "hnviz.ui.task_inference.layout.render",
}

# Deeper plants: a library function the page reaches through its views (the Train page's curves
# are drawn inside a fragment, the Forgetting page's headline outside one).
DEEP = {
    "pages/1_Train.py": "hnviz.ui.train.view.task_curves",
    "pages/2_Forgetting.py": "hnviz.ui.forgetting.layout.summarize",
}


def _planted(*args, **kwargs):
    raise RuntimeError("planted")


def _plant(monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    module, name = target.rsplit(".", 1)
    monkeypatch.setattr(f"{module}.{name}", _planted)


@pytest.mark.parametrize("page_file", list(PAGES), ids=lambda p: p or "home")
def test_a_planted_error_fails_the_page_test(monkeypatch, page_file) -> None:
    _plant(monkeypatch, PAGES[page_file])
    with pytest.raises(AssertionError, match="planted"):
        open_app(page_file)


@pytest.mark.parametrize("page_file", list(DEEP))
def test_a_planted_error_deep_in_a_page_fails_its_test(monkeypatch, page_file) -> None:
    _plant(monkeypatch, DEEP[page_file])
    with pytest.raises(AssertionError, match="planted"):
        open_app(page_file)


def test_without_strict_mode_the_user_sees_a_message_and_the_app_keeps_running(monkeypatch):
    """What a user gets (strict mode off): the one-line box, no traceback, no exception."""
    monkeypatch.setenv("HNVIZ_STRICT", "0")
    _plant(monkeypatch, DEEP["pages/2_Forgetting.py"])
    at = open_app("pages/2_Forgetting.py")
    errors = [e.value for e in at.error]
    assert any("Something went wrong in the Forgetting page" in e and "planted" in e
               for e in errors), errors
    assert not at.exception


def test_reported_lets_bugs_through_in_strict_mode_only(monkeypatch) -> None:
    """Pages that catch a user's failed request (`except Exception` → a message) re-raise
    anything that is not a user error in strict mode."""
    assert page.reported(ConfigError("iters too large")) == "ConfigError: iters too large"
    with pytest.raises(TypeError):
        page.reported(TypeError("a bug"))
    monkeypatch.setenv("HNVIZ_STRICT", "0")
    assert page.reported(TypeError("a bug")) == "TypeError: a bug"
