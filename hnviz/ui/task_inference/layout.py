"""Layout of the Task inference page: what a run does when the task is NOT given (CL2/CL3).

For the active run: accuracy with the task given next to accuracy with it inferred as tasks are
added (history, so it grows while the run trains); for one chosen test input, the score of every
task embedding (predictive entropy for HNET+ENT, the task classifier's probability for HNET+R)
and which task wins; the confusion between true and inferred task; for HNET+R, what the replay
model generates for each task (what the network rehearses), refreshed as the run trains. The
view is in the URL: `?run=` and `task`, `input` (`url.query.PageUrl`).
"""

from __future__ import annotations

import streamlit as st

from hnviz.analysis import task_inference as inference
from hnviz.core.config import RunConfig
from hnviz.core.limits import app_limits
from hnviz.core.presets import default_config
from hnviz.core.scenarios import scenario
from hnviz.serve.workspace import RunHandle
from hnviz.ui import cache, live, state
from hnviz.ui.labels import method_label, task_names
from hnviz.ui.page import reported
from hnviz.ui.task_inference import figures as figs
from hnviz.ui.text import MESSAGE_CHARS, md
from hnviz.ui.url import runs as runrefs
from hnviz.ui.url.query import PageUrl

KEYS = ("task", "input")
URL = PageUrl("infer", KEYS)
REPLAY_SAMPLES = 8  # samples per task in the replay view
REPLAY_REFRESH_S = 2.0  # the replay samples' refresh while the run trains
# The one-click CL3 runs: Split Digits, 300 steps per task (~10-20 s each on a laptop)
QUICK = {"hnet-replay": "HNET+R", "hnet": "HNET+ENT"}
QUICK_ITERS = 300


def quick_config(method: str) -> RunConfig:
    """Split Digits in CL3 with `method`, shortened to train in seconds."""
    cfg = default_config("split-digits", method).replace(
        task={"scenario": "cl3"}, train={"iters_per_task": QUICK_ITERS, "eval_every": 100})
    return cfg.replace(name=f"{QUICK[method]} · CL3 · Split Digits")


def _start(method: str) -> None:
    cfg = quick_config(method)
    try:
        h = state.workspace().new_run(cfg, cfg.name, play=True, limits=app_limits())
    except Exception as exc:  # noqa: BLE001 - quotas, limits: say it
        state.flash(f"Could not start the run: {md(reported(exc), MESSAGE_CHARS)}")
        return
    state.set_active(h)


def _buttons() -> None:
    cols = st.columns(len(QUICK))
    for col, (method, short) in zip(cols, QUICK.items(), strict=True):
        if col.button(f"Train {short} on Split Digits in CL3", key=f"infer.train.{method}",
                      width="stretch", help=f"{QUICK_ITERS} steps per task, 5 tasks."):
            _start(method)
            st.rerun()
    msg = state.take_flash()
    if msg:
        st.error(msg[1])


def render() -> None:
    st.title("Task inference")
    st.caption("When the task is not given at test time (CL2, CL3), the network has to find it. "
               "A hypernetwork tries every task embedding it knows and trusts the most certain "
               "generated network (HNET+ENT), or asks a task classifier trained on replayed "
               "samples (HNET+R).")
    entry = runrefs.page_run()
    why = None if entry is None else inference.applies(entry.view().cfg)
    if entry is None or why:
        st.info(("No run yet" if entry is None else f"This run cannot show it: {why}") +
                ". Pick a CL2/CL3 run in the sidebar (Train page: Scenario), or train one:")
        _buttons()
        return
    _curves(entry)
    t = cache.trainer_of(entry)
    names = task_names(t)
    _one_input(entry, t, names)
    _confusion(entry, t, names)
    if getattr(t.method, "samples", None) is not None:
        _replay(entry, t, names)


def _curves(entry: RunHandle) -> None:
    """Given vs inferred as tasks are added (polled while the run trains)."""
    def draw(views) -> None:
        h, v = views[0]
        cfg = v.cfg
        scn = scenario(cfg.task.scenario)
        st.subheader(md(h.name))
        st.caption(f"{method_label(cfg.train.method)} · {scn.label} · "
                   f"{v.tasks_done}/{v.n_tasks} tasks done")
        c = inference.curves(v.history, cfg.task.scenario)
        if not any(x is not None for vals in c.values() for x in vals):
            st.info("The accuracy curves start when the first task is done.")
            return
        st.plotly_chart(figs.curves_fig(c, v.n_tasks), width="stretch", key="infer.curves")
        last = {k: next((x for x in reversed(vals) if x is not None), None)
                for k, vals in c.items()}
        cols = st.columns(len(last))
        labels = {"given": "Task given", "inferred": "Task inferred",
                  "task": "Task inferred right"}
        for col, (k, x) in zip(cols, last.items(), strict=True):
            col.metric(labels[k], "—" if x is None else f"{100 * x:.1f}%")
        if scn.task_given:
            st.caption("A CL1 run: the task is given, so the curve is the accuracy with it. "
                       "Below: what the run would infer if it were not given (HNET+ENT).")

    live.live_panel(lambda: [entry], draw, key="infer.curves")


def _one_input(entry: RunHandle, t, names: list[str]) -> None:
    st.subheader("One test input")
    params = URL.incoming()
    if params is not None:  # a link: its task and input, bounded to what the run has
        task = min(_int(params.get("task"), 0), t.n_tasks - 1)
        state.set_widget("infer.task", task)
        n = int(t.seq.tasks[task].y_test.shape[0])
        state.set_widget("infer.input", min(_int(params.get("input"), 0), n - 1))
    if state.widget_value("infer.task") is None or state.widget_value("infer.task") >= t.n_tasks:
        state.set_widget("infer.task", 0)
    c1, c2 = st.columns([1, 2])
    task = c1.selectbox("Its task", range(t.n_tasks), format_func=lambda j: names[j],
                        key="infer.task")
    n = int(t.seq.tasks[task].y_test.shape[0])
    if (state.widget_value("infer.input") or 0) >= n:
        state.set_widget("infer.input", 0)
    index = c2.slider("Test input", 0, max(1, n - 1), key="infer.input")
    URL.publish({"task": str(task), "input": str(index)})
    v = cache.task_input(t, entry.version, task, index)
    left, right = st.columns([1, 2])
    with left:
        img = figs.image_fig(v.x, v.image_shape)
        if img is not None:
            st.plotly_chart(img, width="stretch", key="infer.image")
        verdict = "right" if v.correct else "wrong"
        inferred = "—" if v.inferred is None else names[v.inferred]
        st.markdown(f"**True task:** {names[v.task]}  \n**Inferred task:** {inferred}  \n"
                    f"**Prediction:** {verdict} (label {v.pred}, answer {v.target})")
    with right:
        if v.scores is None:
            st.info("This method has no task embeddings: it cannot say which task an input "
                    "is from (in CL2 its one shared head just answers).")
        else:
            st.plotly_chart(figs.scores_fig(v, names), width="stretch", key="infer.scores")
            st.caption("One bar per task embedding the run knows; the chosen one in colour, "
                       "the true task outlined.")


def _confusion(entry: RunHandle, t, names: list[str]) -> None:
    st.subheader("Which task is inferred")
    C = cache.task_confusion(t, entry.version)
    if C is None:
        st.info("This method infers no task (CL2 baselines share one head), so there is no "
                "confusion between tasks to show.")
        return
    st.plotly_chart(figs.confusion_fig(C, names), width="stretch", key="infer.confusion")
    st.caption(f"Row i: where task i's test inputs (up to {inference.MAX_CONFUSION_ROWS}) are "
               "sent. A perfect diagonal means the task is always found.")


def _replay(entry: RunHandle, t, names: list[str]) -> None:
    st.subheader("What the replay model rehearses")

    @st.fragment(run_every=REPLAY_REFRESH_S if entry.playing else None)
    def panel() -> None:  # while the run trains: its latest state every REPLAY_REFRESH_S
        _replay_samples(entry, names)

    panel()


def _replay_samples(entry: RunHandle, names: list[str]) -> None:
    t = cache.trainer_of(entry)
    samples = cache.replay_samples(t, entry.version, REPLAY_SAMPLES)
    fig = None if samples is None else figs.replay_fig(samples, tuple(t.seq.input_shape), names)
    if fig is None:
        st.info("This benchmark's inputs are not images; the replay samples are not drawn.")
        return
    st.plotly_chart(fig, width="stretch", key="infer.replay")
    st.caption("Samples from each task's decoder, whose weights the replay hypernetwork "
               "generates from that task's embedding (protected by the same output "
               "regularizer). The task classifier is trained on these to tell old tasks from "
               "the new one. They refresh as the run trains.")


def _int(text: str | None, default: int) -> int:
    try:
        return max(0, int(text)) if text is not None else default
    except ValueError:
        return default
