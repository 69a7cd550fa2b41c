"""The lecture's step 8: when the task is not given (CL3), from the two bundled Split Digits CL3
demos (no training wait). One test input and the score each run gives every task embedding
(HNET+ENT: the predictive entropy of the network generated from it, the lowest wins; HNET+R: its
task classifier's probability, the highest wins), and each run's final accuracy with the task
given against the task inferred. The views are the Task inference page's
(`hnviz.analysis.task_inference` through `hnviz.ui.cache`), its figures sized for a projector.

Before the lecturer picks an input, the step shows the first test input that HNET+ENT sends to
the wrong task while HNET+R finds it (`default_input`): the difference the step is about; the
accuracy bars beside it show how often each happens.
"""

from __future__ import annotations

import streamlit as st

from hnviz.analysis import task_inference as inference
from hnviz.ui import cache, state
from hnviz.ui.labels import task_names
from hnviz.ui.lecture import figures as lfigs
from hnviz.ui.lecture.steps import BODY_HEIGHT, chart, demo_handle
from hnviz.ui.task_inference import figures as ifigs

# (bundled demo, how the step names it): the entropy rule first, then replay
CL3_DEMOS = (("09-split-digits-cl3-hnet.pt", "HNET+ENT"),
             ("10-split-digits-cl3-replay.pt", "HNET+R"))
TASK_KEY, INPUT_KEY = "lecture.infer.task", "lecture.infer.input"
SEARCH = 200  # test inputs per task looked at for the default input


def runs():
    """[(label, handle, trainer)] of the two CL3 demos."""
    out = []
    for file, label in CL3_DEMOS:
        h = demo_handle(file)
        out.append((label, h, cache.trainer_of(h)))
    return out


@st.cache_data(show_spinner=False)
def default_input(_runs, versions: tuple[str, ...]) -> tuple[int, int]:
    """(task, index) of the first test input (task by task) that the first run (HNET+ENT)
    sends to the wrong task and the second (HNET+R) to the right one; (0, 0) if none."""
    (_, _, ent), (_, _, rep) = _runs
    for task in range(ent.n_tasks):
        n = min(SEARCH, int(ent.seq.tasks[task].y_test.shape[0]))
        for i in range(n):
            a = inference.input_view(ent, task, i)
            if a.inferred != task and inference.input_view(rep, task, i).inferred == task:
                return task, i
    return 0, 0


def final_accuracy(history: dict, scenario: str) -> dict[str, float | None]:
    """The mean accuracy over all tasks after the last one: "given" and "inferred"."""
    c = inference.curves(history, scenario)
    return {k: next((v for v in reversed(c.get(k) or []) if v is not None), None)
            for k in ("given", "inferred")}


def render() -> None:
    rs = runs()
    names = task_names(rs[0][2])
    short = [n.split(": ")[-1] for n in names]  # '0/1'
    if state.widget_value(TASK_KEY) is None:
        task, index = default_input(rs, tuple(h.version for _, h, _ in rs))
        state.set_widget(TASK_KEY, task)
        state.set_widget(INPUT_KEY, index)
    c1, c2 = st.columns([1.25, 1], vertical_alignment="bottom")
    task = c1.segmented_control("The input's task (its digits)", range(len(names)),
                                format_func=lambda j: f"task {j + 1}: {short[j]}", key=TASK_KEY)
    task = 0 if task is None else int(task)
    n = int(rs[0][2].seq.tasks[task].y_test.shape[0])
    if (state.widget_value(INPUT_KEY) or 0) >= n:
        state.set_widget(INPUT_KEY, 0)
    index = c2.slider("Test input", 0, n - 1, key=INPUT_KEY)
    views = [(label, cache.task_input(t, h.version, task, index)) for label, h, t in rs]
    left, middle, right = st.columns([0.62, 1.45, 1.1], gap="medium")
    with left:
        v = views[0][1]
        img = ifigs.image_fig(v.x, v.image_shape, height=190)
        if img is not None:
            chart(img, "lecture.infer.image")
        classes = rs[0][2].seq.tasks[task].classes
        digit = classes[v.label] if classes else v.label
        st.markdown(f"<div class='lecture-input'>true task: <b>{task + 1}</b> "
                    f"({short[task]})<br>digit <b>{digit}</b></div>", unsafe_allow_html=True)
    with middle:
        for label, v in views:
            chart(lfigs.projector(lfigs.scores_fig(v, label, names, height=BODY_HEIGHT // 2 - 40),
                                  font=14), f"lecture.infer.scores.{label}")
    with right:
        acc = {label: final_accuracy(h.view().history, h.view().cfg.task.scenario)
               for label, h, _ in rs}
        chart(lfigs.projector(lfigs.given_inferred_fig(acc, height=BODY_HEIGHT - 90), font=15),
              "lecture.infer.accuracy")
