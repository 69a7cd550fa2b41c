"""Browser: the lecture mode at a projector's 1280×720, from a server started for it (cold).

Every step is walked forward and back, with the arrow keys and with the buttons; on every step
nothing scrolls (neither the main container nor the document), no exception or error is shown,
no tick label of any figure is clipped, the URL and the "k / 9" indicator follow, and the sidebar
stays hidden. On the first pass each step's claim is checked on what the page draws (the
figures' data as Plotly holds it in the browser; thresholds are the claims', numbers the page's):

    1  fine-tuning bends task 1's function away, the hypernetwork keeps it; the hypernetwork's
       row fits every task (the cubic included)
    3  ▶ trains both runs (the first ▶ after the server started: progress appears); when they
       are done task 1's curve sits on its points at β > 0 and has left them at β = 0
    4  "which task wins" names the points where no task is solved, with the threshold
    5  ▶ Play moves the α readout, and the plane's landscape stays while the frames play
    7  the hypernetwork forgets least, fine-tuning most (the forgetting bars)
    8  with the task given both CL3 runs are nearly always right; inferring it, HNET+R is right
       far more often than HNET+ENT; each run's chosen task is its lowest entropy / highest p
    9  the bars are the bundled reproduction table's means

A screenshot of every step is saved (test-artifacts/screenshots/lecture_step<k>.png).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from hnviz.ui.lecture.layout import N_STEPS, STEPS
from tests.e2e.helpers import (
    APP_PATH,
    EXCEPTION_SELECTOR,
    REPO_ROOT,
    assert_no_exception,
    goto_app,
    screenshot,
    start_streamlit,
    stop_server,
    wait_for_app,
)

pytestmark = pytest.mark.skipif(not APP_PATH.exists(), reason="app.py does not exist yet")

PROJECTOR = {"width": 1280, "height": 720}
LIVE = 3
CHARTS = {1: 6, 2: 0, 3: 2, 4: 2, 5: 1, 6: 2, 7: 2, 8: 4, 9: 1}  # as tests/test_ui_lecture.py
_SIZES_JS = """() => {
  const m = document.querySelector('[data-testid="stMain"]');
  const d = document.scrollingElement;
  return {main: [m.scrollHeight, m.clientHeight, m.scrollWidth, m.clientWidth],
          doc: [d.scrollHeight, d.clientHeight, d.scrollWidth, d.clientWidth]};
}"""
# Every drawn figure as Plotly holds it (_fullData: decoded arrays), in page order.
_FIGS_JS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')]
  .map(gd => ({
    title: (gd.layout.title && gd.layout.title.text) || '',
    images: gd.querySelectorAll('.imagelayer image').length,
    data: gd._fullData.map(d => {
      const arr = v => (v && typeof v !== 'string' && v.length !== undefined)
        ? Array.from(v, e => (e !== null && typeof e === 'object') ? Array.from(e) : e) : v;
      return {meta: d.meta ?? null, name: d.name ?? '', type: d.type, mode: d.mode ?? null,
              showlegend: !!d.showlegend, x: arr(d.x), y: arr(d.y),
              z: d.type === 'heatmap' ? arr(d.z) : null, text: arr(d.text),
              customdata: d.type === 'bar' ? arr(d.customdata) : null,
              color: d.marker ? arr(d.marker.color) : null};
    })}))"""
# Tick labels drawn outside their figure (the SVG clips them: "%" fragments).
_CLIPPED_JS = """() => { const bad = [];
  for (const gd of document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')) {
    const r = gd.getBoundingClientRect();
    for (const t of gd.querySelectorAll('.xaxislayer-above text, .yaxislayer-above text')) {
      const b = t.getBoundingClientRect();
      if (!t.textContent.trim() || b.width === 0) continue;
      if (b.left < r.left - 1 || b.right > r.right + 1 || b.top < r.top - 1 ||
          b.bottom > r.bottom + 1) bad.push(t.textContent);
    }
  } return bad; }"""
_STEP_RE = re.compile(r"Overall: step ([\d,]+) / ([\d,]+)")


def _title(page) -> str:
    return page.locator("p.lecture-title").first.inner_text()


def _figs(page) -> list[dict]:
    return page.evaluate(_FIGS_JS)


def _arrive(page, k: int, timeout: float = 60_000) -> None:
    """Wait until step k is shown and drawn (the live step keeps polling while its runs train,
    so there the app is never idle: wait for its two charts instead)."""
    page.wait_for_function(
        "k => { const t = document.querySelector('p.lecture-title');"
        " return t && t.innerText.startsWith(k + ' · '); }", arg=k, timeout=timeout)
    if k == LIVE:
        page.wait_for_function(
            "() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] "
            ".js-plotly-plot').length >= 2", timeout=timeout)
        page.wait_for_timeout(800)
    else:
        wait_for_app(page, timeout=timeout)
        if CHARTS[k]:
            page.wait_for_function(
                "n => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] "
                ".js-plotly-plot').length >= n", arg=CHARTS[k], timeout=timeout)
            page.wait_for_timeout(1000)  # Plotly lays a chart out twice (automatic margins)


def _check(page, k: int, shot: str | None = None) -> None:
    """Step k is shown whole: title, indicator, URL, no scrolling, no clipped tick label, no
    exception or error."""
    assert _title(page).startswith(f"{k} · {STEPS[k - 1].title}")
    assert page.locator(".lecture-count").first.inner_text().strip() == f"{k} / {N_STEPS}"
    assert re.search(rf"[?&]step={k}(&|$)", page.url), page.url
    assert page.locator(EXCEPTION_SELECTOR).count() == 0
    assert_no_exception(page)
    errors = [t for t in page.locator('[data-testid="stAlertContainer"]').all_inner_texts()
              if "went wrong" in t or "Could not" in t]
    assert not errors, errors
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    s = page.evaluate(_SIZES_JS)
    assert s["main"][0] <= s["main"][1] and s["doc"][0] <= s["doc"][1], (k, s)
    assert s["main"][2] <= s["main"][3] and s["doc"][2] <= s["doc"][3], (k, s)
    assert page.evaluate(_CLIPPED_JS) == [], f"step {k}: clipped tick labels"
    frame = page.evaluate("() => getComputedStyle(document.querySelector("
                          "'[data-testid=\"stMain\"]'), '::before').boxShadow")
    assert frame == "none", f"step {k}: a focus frame around the page ({frame})"
    if shot:
        screenshot(page, shot, full_page=False)


def _counters(page) -> list[tuple[int, int]]:
    texts = page.locator('[data-testid="stProgress"]').all_inner_texts()
    return [(int(m.group(1).replace(",", "")), int(m.group(2).replace(",", "")))
            for t in texts if (m := _STEP_RE.search(t))]


# ------------------------------------------------------------------------------ what steps say
def _curve_mse(fig: dict, task: int) -> float:
    """MSE of task `task`'s drawn function (its bold curve) against its drawn training points."""
    name = next(d["name"] for d in fig["data"] if d["name"].startswith(f"task {task + 1}:")
                and d["mode"] == "lines")
    curve = next(d for d in fig["data"] if d["name"] == name and d["mode"] == "lines")
    pts = next(d for d in fig["data"] if d["name"] == f"{name} data")
    x = np.asarray(curve["x"], float)
    order = np.argsort(x)
    fit = np.interp(np.asarray(pts["x"], float), x[order], np.asarray(curve["y"], float)[order])
    return float(np.mean((fit - np.asarray(pts["y"], float)) ** 2))


def _task1_curve(fig: dict) -> np.ndarray:
    return np.asarray(next(d["y"] for d in fig["data"] if d["name"].startswith("task 1:")
                           and d["mode"] == "lines"), float)


def _claims_forgetting(page) -> None:
    figs = _figs(page)  # fine-tuning after task 1, 2, 3; then the hypernetwork
    ft = np.abs(_task1_curve(figs[2]) - _task1_curve(figs[0])).max()
    hn = np.abs(_task1_curve(figs[5]) - _task1_curve(figs[3])).max()
    assert hn < ft / 3, f"task 1's curve moved by {hn:.3f} (hypernetwork), {ft:.3f} (fine-tuning)"
    fits = [_curve_mse(figs[5], t) for t in range(3)]
    assert max(fits) <= 0.05, f"the hypernetwork's functions after task 3 (MSE {fits})"


def _live(page) -> None:
    """▶ Train both: both runs' step counters advance (the first ▶ since the server started:
    the workers started with the first page, so progress appears); wait until both are done."""
    page.get_by_role("button", name=re.compile("Train both")).click()
    page.get_by_role("button", name=re.compile("Pause")).wait_for(timeout=90_000)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        c = _counters(page)
        if len(c) == 2 and all(s > 0 for s, _ in c):
            break
        page.wait_for_timeout(200)
    else:
        raise AssertionError(f"no progress within 60 s of the first ▶: {_counters(page)}")
    screenshot(page, "lecture_step3_training", full_page=False)
    page.wait_for_function(
        "() => { const t = [...document.querySelectorAll('[data-testid=\"stProgress\"]')]"
        ".map(e => e.innerText).filter(s => s.includes('Overall: step'));"
        " return t.length === 2 && t.every(s => { const m = s.match(/step ([\\d,]+) \\/ "
        "([\\d,]+)/); return m && m[1] === m[2]; }); }", timeout=240_000)
    page.get_by_role("button", name=re.compile("Train both")).wait_for(timeout=30_000)
    wait_for_app(page, timeout=60_000)


def _claims_live(page) -> None:
    beta, off = _figs(page)[:2]  # β > 0 left, β = 0 right
    kept, lost = _curve_mse(beta, 0), _curve_mse(off, 0)
    assert kept <= 0.05 and lost >= 0.3, f"task 1's MSE on the page: β > 0 {kept}, β = 0 {lost}"


def _claims_plane(page) -> None:
    plane = _figs(page)[0]
    legend = [d["name"] for d in plane["data"] if d["showlegend"]]
    none = [n for n in legend if n.startswith("no task solved")]
    assert none and re.search(r"MSE > [\d.]+", none[0]), legend
    z = np.asarray(next(d["z"] for d in plane["data"] if d["type"] == "heatmap"), float)
    assert (z == -1).any() and (z >= 0).any(), "solved and unsolved points on the plane"


def _walk(fig: dict) -> tuple[str, int]:
    return (next(d["text"][0] for d in fig["data"] if d["meta"] == "walk:readout"),
            fig["images"])


def _claims_walk(page) -> None:
    before, images = _walk(_figs(page)[0])
    assert before.startswith("α = 0.00") and images == 1, (before, images)
    # the figure's own button (the notice above says "Press ▶ Play" too)
    page.locator('[data-testid="stPlotlyChart"] .updatemenu-button').filter(
        has_text="▶ Play").first.click()
    page.wait_for_function(  # mid-way through the animation
        "() => { const gd = document.querySelector('[data-testid=\"stPlotlyChart\"] "
        ".js-plotly-plot'); const s = gd.layout.sliders[0]; return s.active >= 5; }",
        timeout=30_000)
    during, images = _walk(_figs(page)[0])
    assert during != before and images == 1, (during, images)
    screenshot(page, "lecture_step5_playing", full_page=False)
    page.wait_for_function(
        "() => { const gd = document.querySelector('[data-testid=\"stPlotlyChart\"] "
        ".js-plotly-plot'); const s = gd.layout.sliders[0];"
        " return s.steps[s.active].label === '1.00'; }", timeout=30_000)
    after, images = _walk(_figs(page)[0])
    assert after.startswith("α = 1.00") and images == 1, (after, images)


def _claims_methods(page) -> None:
    bars = _figs(page)[1]["data"][0]  # the forgetting bars: x points, y run names
    forg = dict(zip(bars["y"], bars["x"], strict=True))
    by = {m: next(v for n, v in forg.items() if n.startswith(m))
          for m in ("HNET", "fine-tuning", "EWC", "SI")}
    assert by["HNET"] <= min(by["EWC"], by["SI"]), forg
    assert by["fine-tuning"] >= max(by["EWC"], by["SI"]), forg


def _claims_inference(page) -> None:
    figs = _figs(page)
    acc = next(f for f in figs if any(d["meta"] == "accuracy:given" for d in f["data"]))
    given = next(d for d in acc["data"] if d["meta"] == "accuracy:given")
    inferred = next(d for d in acc["data"] if d["meta"] == "accuracy:inferred")
    g = dict(zip(given["x"], given["y"], strict=True))
    i = dict(zip(inferred["x"], inferred["y"], strict=True))
    assert min(g.values()) >= 90, g  # "nearly always right" given the task
    assert i["HNET+R"] >= i["HNET+ENT"] + 20, i  # "far more often" inferring it
    for f in figs:
        d = next((d for d in f["data"] if str(d["meta"]).startswith("scores:")), None)
        if d is None:
            continue
        scores = np.asarray(d["customdata"], float)
        chosen = [j for j, c in enumerate(d["color"]) if c != "#c7c7c7"]
        want = int(scores.argmin() if d["meta"] == "scores:HNET+ENT" else scores.argmax())
        assert chosen == [want], (d["meta"], scores, d["color"])


def _claims_paper(page) -> None:
    table = json.loads((REPO_ROOT / "assets" / "paper" / "table.json").read_text())
    fig = _figs(page)[0]
    shown = sorted(round(v, 6) for d in fig["data"] if str(d["meta"]).startswith("paper:bar:")
                   for v in d["y"])
    exp = {r["experiment"] for r in table["rows"]
           if round(r["mean"] or -1, 6) in shown}
    assert len(exp) == 1, exp  # the bars are one experiment's rows...
    means = sorted(round(r["mean"], 6) for r in table["rows"]
                   if r["experiment"] in exp and r["mean"] is not None)
    assert shown == means  # ...all of them, as the table has them


CLAIMS = {1: _claims_forgetting, 3: _claims_live, 4: _claims_plane, 5: _claims_walk,
          7: _claims_methods, 8: _claims_inference, 9: _claims_paper}


@pytest.fixture(scope="module")
def cold_server():
    """A server of its own, started for this test: the first ▶ here is the first since it
    started (the session's shared server may have trained before)."""
    runs = Path(tempfile.mkdtemp(prefix="hnviz-e2e-lecture-"))
    proc, url = start_streamlit(APP_PATH, runs, runs / "streamlit.log")
    try:
        yield url
    finally:
        stop_server(proc)
        shutil.rmtree(runs, ignore_errors=True)


def test_lecture_walks_every_step_at_1280x720(cold_server: str, _chromium) -> None:
    ctx = _chromium.new_context(viewport=PROJECTOR)
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    try:
        goto_app(page, f"{cold_server}/Lecture?step=1", timeout=120_000)
        _arrive(page, 1)
        # forward with the → key, checking what each step says
        for k in range(1, N_STEPS + 1):
            _check(page, k, shot=f"lecture_step{k}")
            if k == LIVE:
                _live(page)
                _check(page, k, shot="lecture_step3_done")
            if k in CLAIMS:
                CLAIMS[k](page)
            if k < N_STEPS:
                page.keyboard.press("ArrowRight")
                _arrive(page, k + 1)
        # back with the Back button: the live step shows the same two runs
        for k in range(N_STEPS, 1, -1):
            page.get_by_role("button", name=re.compile("Back")).click()
            _arrive(page, k - 1)
            _check(page, k - 1)
            if k - 1 == LIVE:
                assert len(_counters(page)) == 2
        assert page.get_by_role("button", name=re.compile("Back")).is_disabled()
        # forward with the Next button, back with the ← key
        for k in range(1, N_STEPS):
            page.get_by_role("button", name=re.compile("Next")).click()
            _arrive(page, k + 1)
            _check(page, k + 1)
        assert page.get_by_role("button", name=re.compile("Next")).is_disabled()
        for k in range(N_STEPS, 1, -1):
            page.keyboard.press("ArrowLeft")
            _arrive(page, k - 1)
            _check(page, k - 1)
        assert not page_errors, page_errors
    finally:
        ctx.close()


def test_lecture_step_links_in_a_fresh_browser(app_server: str, _chromium) -> None:
    """A lecturer's link opens its step directly; a wrong one says so and shows step 1."""
    ctx = _chromium.new_context(viewport=PROJECTOR)
    try:
        page = ctx.new_page()
        goto_app(page, f"{app_server}/Lecture?step=6", timeout=120_000)
        _arrive(page, 6)
        _check(page, 6)
        goto_app(page, f"{app_server}/Lecture?step=99", timeout=120_000)
        _arrive(page, 1)
        page.get_by_text("There is no step 99").wait_for()
        _check(page, 1, shot="lecture_wrong_step")  # the report fits on the screen too
    finally:
        ctx.close()
