"""The app's pages in the order the sidebar (and the home page) shows them: the one list that
names page files. Streamlit finds the pages in pages/ and takes each one's URL path from its
file name without the number (pages/3_Task_inference.py -> /Task_inference); the numbers follow
this order, 1, 2, 3, … (tests/test_ui_layout.py), so the file names and the sidebar agree. Pages
that do not exist (yet) are left out, so links never break."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from hnviz.paths import app_root

ROOT = app_root()  # the checkout, or hnviz/_app in an installed wheel


class Page(NamedTuple):
    script: str  # relative to ROOT: what st.page_link and st.switch_page take
    label: str
    icon: str  # a material icon
    what: str  # what it shows (the home page's list)

    @property
    def url_path(self) -> str:
        """The page's URL path, as Streamlit derives it from the file name (its
        `source_util.page_icon_and_name`): '' for the home page, else the name without the
        number prefix and '.py' ('pages/3_Task_inference.py' -> 'Task_inference')."""
        if self == HOME:
            return ""
        m = re.fullmatch(r"([0-9]*)[_ -]*(.*)\.py", Path(self.script).name)
        return re.sub(r"[_ ]+", "_", m.group(2)).strip() or m.group(1)


HOME = Page("app.py", "Home", ":material/home:", "what a task-conditioned hypernetwork is")
TRAIN = Page("pages/1_Train.py", "Train", ":material/model_training:",
             "set up a run, press play, watch old tasks drift or stay")
FORGETTING = Page("pages/2_Forgetting.py", "Forgetting", ":material/trending_down:",
                  "the accuracy matrix, forgetting, BWT/FWT and a method comparison")
TASK_INFERENCE = Page(
    "pages/3_Task_inference.py", "Task inference", ":material/travel_explore:",
    "when the task is not given: which embedding the run picks, and how often it is right")
CHECKPOINTS = Page("pages/4_Checkpoints.py", "Checkpoints", ":material/save:",
                   "load, save, download and upload runs")
EMBEDDING = Page("pages/5_Embedding_space.py", "Embedding space", ":material/scatter_plot:",
                 "where the task embeddings live")
INTERPOLATION = Page("pages/6_Interpolation.py", "Interpolation", ":material/linear_scale:",
                     "networks between two task embeddings")
EXPLORER = Page("pages/7_Beta_explorer.py", "β explorer", ":material/tune:",
                "how β trades remembering for learning")
LECTURE = Page("pages/8_Lecture.py", "Lecture", ":material/co_present:",
               "the paper's story in nine steps, for a projector")
PAPER = Page("pages/9_Paper.py", "Paper", ":material/table_chart:",
             "the paper's numbers next to ours, each row linked to the runs behind it")

PAGES = [HOME, TRAIN, FORGETTING, TASK_INFERENCE, CHECKPOINTS, EMBEDDING, INTERPOLATION,
         EXPLORER, LECTURE, PAPER]


def existing_pages() -> list[Page]:
    return [p for p in PAGES if (ROOT / p.script).exists()]


def page_link(path: str, label: str, icon: str,
              query_params: dict[str, str] | None = None) -> None:
    """st.page_link that skips a page the running server does not know (e.g. a page file added
    after the server started) instead of failing the whole page; `query_params` open it with
    those (e.g. the Train page's configuration)."""
    import streamlit as st
    from streamlit.errors import StreamlitAPIException

    try:
        st.page_link(path, label=label, icon=icon, query_params=query_params)
    except StreamlitAPIException:
        pass
