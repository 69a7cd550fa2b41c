"""Lecture mode: the paper's story in nine steps, one screen each, for a 1280×720 projector.

Each step is a preset view with a short "what to notice" text. Back / Next (or the ← / → keys)
move between steps; the step is in the address bar (`?step=3`), so a lecturer can open any step
directly, and a wrong one (`?step=99`) is reported and step 1 shown. The page has no sidebar and
a tight top margin (CSS of this page only); every step's body fits below the header.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from hnviz.ui import identity, state
from hnviz.ui.lecture import compression as lecture_compression
from hnviz.ui.lecture import inference as lecture_inference
from hnviz.ui.lecture import live_pair as lecture_live
from hnviz.ui.lecture import paper as lecture_paper
from hnviz.ui.lecture import steps as lecture_steps
from hnviz.ui.nav import HOME, page_link
from hnviz.ui.page import guard
from hnviz.ui.url.query import PageUrl

PARAM = "step"  # the URL's query parameter
STEP = "lecture.step"  # the session's current step (when the URL has none)
URL = PageUrl("lecture", (PARAM,))


@dataclass(frozen=True)
class Step:
    title: str
    notice: str  # "what to notice": 1-3 plain sentences for students
    render: Callable[[], None]


STEPS = (
    Step("Forgetting",
         "Each column is a moment in training: after task 1, 2 and 3. With fine-tuning (top) the "
         "curve that fitted task 1's points is bent away while tasks 2 and 3 are learned: the "
         "network **forgets**. The hypernetwork (bottom) keeps every earlier curve on its points.",
         lecture_steps.render_forgetting),
    Step("The hypernetwork and its regularizer",
         "The hypernetwork does not learn one set of weights: it turns a task's embedding into "
         "**all** the weights of the network for that task. While it learns a new task, the "
         "regularizer (β) keeps the weights it makes for the old tasks where they were.",
         lecture_steps.render_hypernetwork),
    Step("Live: β = 0 against β > 0",
         "Same network, same data, same seed; only β differs. Watch task 1's curve (blue) when "
         "task 2 starts: at β = 0 it drifts away from its points, with β > 0 it stays.",
         lecture_live.render),
    Step("The embedding plane",
         "Every point of this plane is a whole network. The colour says which task the network "
         "made there solves best (grey: none); the stars are the learned task embeddings. "
         "**Click anywhere** to see the network generated at that point.",
         lecture_steps.render_plane),
    Step("Interpolation",
         "Press ▶ Play: the red point walks in a straight line from one task's embedding to "
         "another, and the right side shows the network made at the point. The function morphs "
         "smoothly from one task into the other.",
         lecture_steps.render_walk),
    Step("Compression",
         "A chunked hypernetwork makes the weights a piece at a time, so it can have **fewer** "
         "weights than the network it generates (ratio below 1, shaded). At half the size it "
         "still remembers all five tasks as well as EWC; at a quarter it is a little below EWC "
         "and still better than fine-tuning; the smallest ones fall to fine-tuning's level. "
         "**Long memory**: 100 tasks; HNET (smaller than its target) keeps early tasks, "
         "fine-tuning fades.",
         lecture_compression.render),
    Step("HNET against EWC and SI on Split Digits",
         "Five tasks, each telling two digits apart. Fine-tuning forgets the first tasks; EWC and "
         "SI protect them in part; the hypernetwork keeps them all, as well as joint training, "
         "which sees every task's data at once.",
         lecture_steps.render_methods),
    Step("When the task is not given",
         "Now nobody says which task an input is from (CL3). **HNET+ENT** trusts the most "
         "certain generated network; **HNET+R** asks a task classifier trained on replayed "
         "samples. Given the task both are nearly always right; inferring it, HNET+R is right "
         "far more often.",
         lecture_inference.render),
    Step("The paper's results",
         "Every bar is measured by this app (`python -m hnviz reproduce`, mean ± sd over seeds); "
         "a black diamond is the paper's number where the paper reports one (an open one: a "
         "number whose source could not be checked here). Pick an experiment above the chart.",
         lecture_paper.render),
)
N_STEPS = len(STEPS)


def parse_step(raw: str | None, n: int = N_STEPS) -> tuple[int | None, str | None]:
    """(step 1..n or None when the URL names none, a message for the user or None). A value that
    is not a step is reported and step 1 shown: never clamped to the nearest step silently."""
    if raw is None or raw == "":
        return None, None
    try:
        k = int(raw)
    except ValueError:
        return 1, f"step={raw[:20]} is not a step number: showing step 1 of {n}."
    if not 1 <= k <= n:
        return 1, f"There is no step {k} in this lecture (steps 1–{n}): showing step 1."
    return k, None


def go(k: int) -> None:
    """Show step k (Back / Next callbacks): the session and the address bar."""
    k = max(1, min(N_STEPS, k))
    state.put(STEP, k)
    URL.publish({PARAM: str(k)})


def move(delta: int) -> None:
    go(int(state.get(STEP) or 1) + delta)


def current_step() -> tuple[int, str | None]:
    """The step to show: the URL's, else this session's last one, else 1; written back to the
    URL so it can be shared."""
    params = URL.incoming()
    k, msg = parse_step(params.get(PARAM) if params else None)
    if k is None:
        k = int(state.get(STEP) or 1)
    state.put(STEP, k)
    URL.publish({PARAM: str(k)})
    return k, msg


# Only this page: no sidebar (and no button to open it), no header bar, a thin top margin,
# projector-sized text, no focus frame around the page (the main area takes the focus after a
# click into a figure and Streamlit 1.67 frames it with an inset shadow on its ::before; ← / →
# still work). Streamlit 1.67's test ids.
CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 0.6rem 1.6rem 0 1.6rem !important;
  max-width: 100% !important; }
[data-testid="stMain"]:focus, [data-testid="stMain"]:focus-visible { outline: none; }
[data-testid="stMain"]::before { box-shadow: none !important; }
[data-testid="stMain"] [data-testid="stVerticalBlock"] { gap: 0.55rem; }
[data-testid="stMain"] p, [data-testid="stMain"] li { font-size: 1.22rem; line-height: 1.45; }
[data-testid="stMain"] .katex { font-size: 1.12em; }
[data-testid="stMain"] .katex-display > .katex { font-size: 1.75em; }
.st-key-lecture-notice { background: #eef5fc; border-left: 6px solid #1f77b4;
  border-radius: 0.4rem; padding: 0.45rem 0.9rem; }
.st-key-lecture-notice p { font-size: 1.28rem; margin: 0; }
[data-testid="stMain"] p.lecture-title { font-size: 1.85rem; font-weight: 700; line-height: 1.2; margin: 0; }
.lecture-count { font-size: 1.5rem; font-weight: 600; color: #555; text-align: center; }
.lecture-rowlabel { font-size: 1.2rem; font-weight: 700; text-align: right; }
[data-testid="stMain"] button p { font-size: 1.1rem; }
[data-testid="stMain"] [data-testid="stAlertContainer"] { padding: 0.3rem 0.8rem; }
[data-testid="stMain"] p.lecture-small, .lecture-small { font-size: 1.05rem; margin: 0.2rem 0; }
.lecture-input { font-size: 1.2rem; text-align: center; line-height: 1.5; }
table.lecture-table { font-size: 1.1rem; border-collapse: collapse; width: 100%; }
table.lecture-table th, table.lecture-table td { padding: 0.22rem 0.5rem;
  border-bottom: 1px solid #ddd; text-align: right; }
table.lecture-table td:first-child, table.lecture-table th:first-child { text-align: left; }
table.lecture-table td.ours { font-weight: 700; }
</style>"""


def header(k: int) -> None:
    s = STEPS[k - 1]
    title, count, back, nxt, leave = st.columns([6.2, 0.9, 1.25, 1.25, 0.8],
                                                 vertical_alignment="center")
    title.markdown(f"<p class='lecture-title'>{k} · {s.title}</p>", unsafe_allow_html=True)
    count.markdown(f"<div class='lecture-count' data-testid='lecture-progress'>{k} / {N_STEPS}"
                   "</div>", unsafe_allow_html=True)
    back.button("Back", icon=":material/arrow_back:", shortcut="Left", on_click=move,
                args=(-1,), disabled=k == 1, key="lecture.back", width="stretch")
    nxt.button("Next", icon=":material/arrow_forward:", icon_position="right", shortcut="Right",
               on_click=move, args=(1,), disabled=k == N_STEPS, key="lecture.next",
               type="primary", width="stretch")
    with leave:
        page_link(HOME.script, "Exit", ":material/close:")
        # the sidebar writes the user's cookie on the other pages; a lecture opened first must
        # too, or a reload would lose this browser's runs (the live pair of step 3)
        identity.write_cookie()


def render() -> None:
    st.html(CSS)
    k, msg = current_step()
    header(k)
    if msg:
        st.warning(msg, icon="⚠️")
    s = STEPS[k - 1]
    with st.container(key="lecture-notice"):
        st.markdown(s.notice)
    with guard(f"step {k} ({s.title})"):
        s.render()
