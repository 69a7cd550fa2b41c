"""Two users at once: each browser session has its own runs (session_state, never shared)."""

from __future__ import annotations

import re

from tests.e2e.conftest import VIEWPORT
from tests.e2e.helpers import goto_app, run_and_wait, screenshot


def test_two_sessions_do_not_share_runs(app_server: str, browser_page, _chromium) -> None:
    alice = browser_page
    other = _chromium.new_context(viewport=VIEWPORT)
    try:
        bob = other.new_page()
        goto_app(alice, app_server + "/Train?iters=50&seed=7")
        goto_app(bob, app_server + "/Train")
        # Alice trains one evaluation interval: a new run of hers becomes active.
        run_and_wait(alice, lambda: alice.get_by_role("button", name=re.compile("Step")).click())
        a_side = alice.locator('[data-testid="stSidebar"]')
        a_side.get_by_text("source: trained").wait_for(timeout=30_000)
        # Bob, reloading, still sees only his own demo runs with the demo active.
        goto_app(bob, app_server + "/Train")
        b_side = bob.locator('[data-testid="stSidebar"]').inner_text()
        assert "source: demo" in b_side and "source: trained" not in b_side
        a_runs = int(re.search(r"(\d+) run\(s\)", a_side.inner_text()).group(1))
        b_runs = int(re.search(r"(\d+) run\(s\)", b_side).group(1))
        assert a_runs == b_runs + 1, (a_runs, b_runs)
        screenshot(bob, "sessions_bob")
    finally:
        other.close()
