"""Several users at once: each browser has its own runs (a per-browser token), a reload keeps
them, and no session's active run changes by itself while others train."""

from __future__ import annotations

import re

from tests.e2e.conftest import VIEWPORT
from tests.e2e.helpers import goto_app, run_and_wait, screenshot

SIDEBAR = '[data-testid="stSidebar"]'


def _own_runs(page) -> int:
    text = page.locator(SIDEBAR).inner_text()
    return int(re.search(r"(\d+) run\(s\) of yours", text).group(1))


def _active_name(page, timeout_ms: int = 15_000) -> str:
    """The sidebar selector's shown run (waits while the sidebar is being redrawn)."""
    box = page.locator(f'{SIDEBAR} [data-testid="stSelectbox"] input[role="combobox"]')
    for _ in range(timeout_ms // 100):
        if box.count():
            text = (box.first.get_attribute("value") or "").strip()
            if text:
                return text
        page.wait_for_timeout(100)
    raise AssertionError("the sidebar shows no active run")


def test_two_browsers_do_not_share_runs_and_a_reload_keeps_them(app_server: str, browser_page,
                                                                 _chromium) -> None:
    alice = browser_page
    other = _chromium.new_context(viewport=VIEWPORT)
    try:
        bob = other.new_page()
        goto_app(alice, app_server + "/Train?iters=50&seed=7")
        goto_app(bob, app_server + "/Train")
        # Alice trains one evaluation interval: a new run of hers becomes active.
        run_and_wait(alice, lambda: alice.get_by_role("button", name=re.compile("Step")).click())
        alice.locator(SIDEBAR).get_by_text("trained here").wait_for(timeout=60_000)
        assert _own_runs(alice) == 1
        # Bob, reloading, still sees only the demos with the demo active.
        goto_app(bob, app_server + "/Train")
        assert "bundled demo" in bob.locator(SIDEBAR).inner_text() and _own_runs(bob) == 0
        # Alice reloads (same browser, same cookie): her run is still there and active.
        name = _active_name(alice)
        goto_app(alice, app_server + "/Checkpoints")
        assert _own_runs(alice) == 1 and _active_name(alice) == name
        screenshot(bob, "sessions_bob")
    finally:
        other.close()


def test_active_runs_stay_put_while_several_sessions_train(app_server: str, _chromium) -> None:
    contexts = [_chromium.new_context(viewport={"width": 1280, "height": 800}) for _ in range(3)]
    try:
        pages = [c.new_page() for c in contexts]
        for p in pages:
            goto_app(p, app_server + "/Train?iters=20000")  # cannot finish while watched
            p.get_by_role("button", name=re.compile("Play")).click()
        for p in pages:
            p.get_by_role("button", name=re.compile("Pause")).wait_for(timeout=60_000)
        names = [_active_name(p) for p in pages]
        assert all(n.startswith("HNET β=0.1") for n in names), names
        seen = [set() for _ in pages]
        for _ in range(16):  # ~8 s of live redraws in three sessions
            for i, p in enumerate(pages):
                seen[i].add(_active_name(p))
            pages[0].wait_for_timeout(500)
        assert all(s == {n} for s, n in zip(seen, names)), seen
        for p in pages:
            p.get_by_role("button", name=re.compile("Pause")).click()
        screenshot(pages[0], "sessions_three_training")
    finally:
        for c in contexts:
            c.close()
