"""The app's pages (for the sidebar navigation and the home page's links). Pages that do not
exist (yet) are left out, so links never break."""

from __future__ import annotations

from hnviz.paths import app_root

ROOT = app_root()  # the checkout, or hnviz/_app in an installed wheel

# (script, label, material icon, what it shows)
PAGES = [
    ("app.py", "Home", ":material/home:", "what a task-conditioned hypernetwork is"),
    ("pages/1_Train.py", "Train", ":material/model_training:",
     "set up a run, press play, watch old tasks drift or stay"),
    ("pages/2_Forgetting.py", "Forgetting", ":material/trending_down:",
     "the accuracy matrix, forgetting, BWT/FWT and a method comparison"),
    ("pages/8_Task_inference.py", "Task inference", ":material/travel_explore:",
     "when the task is not given: which embedding the run picks, and how often it is right"),
    ("pages/3_Checkpoints.py", "Checkpoints", ":material/save:",
     "load, save, download and upload runs"),
    ("pages/4_Embedding_space.py", "Embedding space", ":material/scatter_plot:",
     "where the task embeddings live"),
    ("pages/5_Interpolation.py", "Interpolation", ":material/linear_scale:",
     "networks between two task embeddings"),
    ("pages/6_Beta_explorer.py", "β explorer", ":material/tune:",
     "how β trades remembering for learning"),
    ("pages/7_Lecture.py", "Lecture", ":material/co_present:",
     "the paper's story in nine steps, for a projector"),
    ("pages/8_Paper.py", "Paper", ":material/table_chart:",
     "the paper's numbers next to ours, each row linked to the runs behind it"),
]


def existing_pages() -> list[tuple[str, str, str, str]]:
    return [p for p in PAGES if (ROOT / p[0]).exists()]


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
