"""AppTest of the lecture mode (pages/8_Lecture.py): every step renders, the step is in the URL,
Back / Next move and rewrite it, a wrong step is reported (never clamped silently), and the live
step trains its two runs in the pool (in-process here, HNVIZ_WORKERS=0), also while the lecturer
is on another step."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from hnviz.ui.lecture.layout import N_STEPS, STEPS, parse_step
from tests.apptest_helpers import open_app, wait_until, workspace

LECTURE = "pages/8_Lecture.py"


def _lecture(**query: str) -> AppTest:
    return open_app(LECTURE, timeout=90, **query)


def shown_step(at: AppTest) -> int:
    """The step number in the page's title line ('3 · Live: …')."""
    title = next(m.value for m in at.markdown if "lecture-title" in m.value)
    return int(title.split("'>")[1].split(" · ")[0])


def progress_text(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "lecture-count" in m.value)


def url_step(at: AppTest) -> str:
    v = at.query_params["step"]
    return v[0] if isinstance(v, list) else v


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_parse_step_reports_instead_of_clamping() -> None:
    assert parse_step(None) == (None, None)
    assert parse_step("3") == (3, None)
    k, msg = parse_step("99")
    assert k == 1 and "no step 99" in msg and f"1–{N_STEPS}" in msg
    k, msg = parse_step("0")
    assert k == 1 and "no step 0" in msg
    k, msg = parse_step("abc")
    assert k == 1 and "not a step number" in msg


def test_next_walks_every_step_and_back_returns() -> None:
    at = _lecture(step="1")
    assert not at.button(key="lecture.next").disabled and at.button(key="lecture.back").disabled
    for k in range(1, N_STEPS + 1):
        assert shown_step(at) == k and url_step(at) == str(k)
        assert f"{k} / {N_STEPS}" in progress_text(at)
        assert STEPS[k - 1].title in next(m.value for m in at.markdown if "lecture-title" in
                                          m.value)
        assert_clean(at)
        if k < N_STEPS:
            at.button(key="lecture.next").click().run()
    assert at.button(key="lecture.next").disabled  # the last step
    at.button(key="lecture.back").click().run()
    assert shown_step(at) == N_STEPS - 1 and url_step(at) == str(N_STEPS - 1)
    assert_clean(at)


# Figures each step draws: 1 the functions after each task (2 methods × 3 tasks), 2 none (the
# equation and the diagram), 3 the two runs, 4 the plane and the network, 5 the walk,
# 6 the presets' sizes and the sweep, 7 final accuracy and forgetting, 8 the input, its scores
# under HNET+ENT and HNET+R, accuracy given vs inferred, 9 the paper's comparison.
CHARTS = {1: 6, 2: 0, 3: 2, 4: 2, 5: 1, 6: 2, 7: 2, 8: 4, 9: 1}


@pytest.mark.parametrize("k", range(1, N_STEPS + 1))
def test_a_fresh_session_opens_the_step_in_the_url(k: int) -> None:
    at = _lecture(step=str(k))
    assert shown_step(at) == k and url_step(at) == str(k)
    assert not at.warning and not at.info
    assert_clean(at)
    assert len(at.get("plotly_chart")) == CHARTS[k]
    assert at.session_state["hnviz.ui.set_cookie"] is False  # the user's cookie was written
    if k == 2:
        assert at.latex and "theta_h^*" in at.latex[0].value


@pytest.mark.parametrize("raw", ["99", "0", "-2", "three"])
def test_a_wrong_step_is_reported_and_step_1_shown(raw: str) -> None:
    at = _lecture(step=raw)
    assert shown_step(at) == 1 and url_step(at) == "1"
    warnings = " ".join(w.value for w in at.warning)
    assert raw in warnings and "showing step 1" in warnings
    assert_clean(at)
    at.button(key="lecture.next").click().run()  # the report does not stick
    assert shown_step(at) == 2 and not at.warning


def test_live_step_trains_both_runs_and_they_train_on_while_away() -> None:
    at = _lecture(step="3")
    assert_clean(at)
    at.button(key="lecture.live.play").click().run()
    assert_clean(at)
    ids = at.session_state["hnviz.ui.lecture.pair"]
    ws = workspace(at)
    a, b = (ws.get(i) for i in ids)
    assert a.view().cfg.train.beta > 0 and b.view().cfg.train.beta == 0
    assert a.view().cfg.train.iters_per_task == b.view().cfg.train.iters_per_task < 4000
    wait_until(at, lambda: a.view().global_step > 0 and b.view().global_step > 0)
    at.button(key="lecture.next").click().run()  # leave during the run
    assert shown_step(at) == 4
    assert_clean(at)
    before = (a.view().global_step, b.view().global_step)
    wait_until(at, lambda: a.view().global_step > before[0] or a.view().done)
    at.button(key="lecture.back").click().run()  # coming back shows the same pair
    assert shown_step(at) == 3 and at.session_state["hnviz.ui.lecture.pair"] == ids
    assert sum("Overall: step" in p.proto.text for p in at.get("progress")) == 2
    assert_clean(at)
    if a.playing or b.playing:
        at.button(key="lecture.live.pause").click().run()
        wait_until(at, lambda: not a.playing and not b.playing)
    assert_clean(at)


def test_plane_click_shows_the_network_generated_there() -> None:
    at = _lecture(step="4")
    title = "the network generated at"
    charts = at.get("plotly_chart")
    assert charts, "the plane and the network are drawn"
    at.session_state["hnviz.ui.lecture.plane_click"] = {"x": 0.25, "y": -0.5,
                                                         "customdata": [0.25, -0.5]}
    at.run()
    assert_clean(at)
    import json

    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    titles = [f.get("layout", {}).get("title", {}).get("text", "") for f in figs]
    assert any(f"{title} (0.25, -0.50)" in t for t in titles), titles


def test_home_links_the_lecture_first() -> None:
    at = open_app()
    first = at.main.get("page_link")[0].proto
    assert "Lecture" in first.label and first.page.endswith("Lecture"), first
