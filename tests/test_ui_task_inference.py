"""The Task inference page: a CL3 run shows given vs inferred accuracy, the score of each task
embedding for one input, the task confusion and (HNET+R) the replay samples."""

from __future__ import annotations

import json

import pytest

from hnviz.ui.cache import trainer_of
from hnviz.ui.labels import task_names
from tests.apptest_helpers import active, open_app, wait_until

PAGE = "pages/3_Task_inference.py"


def _charts(at) -> dict[str, dict]:
    """The page's plotly charts by their key, as figure JSON."""
    out = {}
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        out[el.proto.id] = spec
    return out


def test_a_regression_run_explains_and_offers_cl3_runs() -> None:
    at = open_app(PAGE)  # the active run is the bundled regression demo
    text = " ".join(i.value for i in at.info)
    assert "regression" in text
    labels = [b.label for b in at.button]
    assert "Train HNET+R on Split Digits in CL3" in labels
    assert "Train HNET+ENT on Split Digits in CL3" in labels


@pytest.mark.slow
def test_hnet_replay_cl3_run_shows_every_view() -> None:
    at = open_app(PAGE)
    at.button(key="infer.train.hnet-replay").click().run()
    h = active(at)
    assert h.view().cfg.task.scenario == "cl3"
    wait_until(at, lambda: h.view().finished, timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    v = h.view()
    R, R_given = v.history["R"], v.history["R_given"]
    shown = {m.label: m.value for m in at.metric}
    # the metrics are the last row's means, as the history holds them
    given = sum(R_given[-1]) / len(R_given[-1])
    inferred = sum(R[-1]) / len(R[-1])
    assert shown["Task given"] == f"{100 * given:.1f}%"
    assert shown["Task inferred"] == f"{100 * inferred:.1f}%"
    assert given > inferred  # inferring the task costs accuracy
    charts = _charts(at)
    kinds = {json.dumps(c["data"][0].get("type")) for c in charts.values()}
    assert '"bar"' in kinds and '"heatmap"' in kinds
    # the scores bar chart: one bar per task embedding, the classifier's probabilities
    bars = next(c for c in charts.values() if c["data"][0].get("type") == "bar")
    assert len(bars["data"][0]["y"]) == v.n_tasks
    assert abs(sum(bars["data"][0]["y"]) - 1.0) < 1e-4
    assert "p(task | x)" in bars["layout"]["title"]["text"]
    subheaders = [s.value for s in at.subheader]
    assert "What the replay model rehearses" in subheaders
    assert "Which task is inferred" in subheaders


def test_the_input_in_the_url_is_shown_and_bounded() -> None:
    at = open_app(PAGE)
    at.button(key="infer.train.hnet").click().run()
    h = active(at)
    wait_until(at, lambda: h.view().finished, timeout=120)
    at.query_params["task"] = "2"
    at.query_params["input"] = "999999"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="infer.task").value == 2
    slider = at.slider(key="infer.input")
    assert slider.value == slider.max  # bounded to the task's test set
    md = " ".join(m.value for m in at.markdown)
    assert f"**True task:** {task_names(trainer_of(h))[2]}" in md


def test_forgetting_page_says_r_is_with_the_task_inferred() -> None:
    at = open_app(PAGE)
    at.button(key="infer.train.hnet").click().run()
    h = active(at)
    wait_until(at, lambda: h.view().finished, timeout=120)
    at.switch_page("pages/2_Forgetting.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("CL3 run: R is the accuracy with the task **inferred**" in c.value
               for c in at.caption)
