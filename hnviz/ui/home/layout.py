"""The home page: a short explanation, the regularizer, the diagram and links to every page.
Kept light (no scikit-learn, no UMAP) so the app opens in seconds."""

from __future__ import annotations

import streamlit as st

from hnviz.paths import asset
from hnviz.ui.nav import HOME, LECTURE, existing_pages, page_link

DIAGRAM = asset("hnet_diagram.svg")


def render() -> None:
    st.title("hnviz · continual learning with hypernetworks")
    lecture_link()
    st.markdown(
        "A network trained on task after task usually **forgets** the old ones: the weights that "
        "solved task 1 are overwritten while learning task 2. A **task-conditioned hypernetwork** "
        "(von Oswald et al., ICLR 2020) sidesteps this. It does not learn one set of weights; it "
        "learns a function $f_h(e_t, \\theta_h)$ that maps a small learned **task embedding** "
        "$e_t$ to *all* the weights of a target network. To solve task $t$, generate the weights "
        "from $e_t$ and run the target network with them.")
    left, right = st.columns([1.25, 1], gap="large")
    with left:
        st.markdown(
            "Why it does not forget: while learning task $t$, the hypernetwork is asked to keep "
            "producing (almost) the same weights for every earlier task. Before task $t$ starts, "
            "the outputs $f_h(e_{t'}, \\theta_h^*)$ for the earlier embeddings are stored, and "
            "training adds an **output regularizer** that pulls the current outputs back to them:")
        st.latex(r"\mathcal{L}(\theta_h, e_t) = \mathcal{L}_{\text{task}}(\theta_h, e_t)"
                 r" + \frac{\beta}{T-1} \sum_{t'=1}^{t-1}"
                 r" \big\lVert f_h(e_{t'}, \theta_h^*) - f_h(e_{t'}, \theta_h) \big\rVert^2")
        st.markdown(
            "Only one point per old task (its embedding) has to be remembered, not its data. "
            "$\\beta$ sets how hard old tasks are held in place: with $\\beta = 0$ you can watch "
            "them drift away, exactly like plain fine-tuning.")
        st.markdown("**Try it:** open **Train**, keep the 1-D regression and press ▶ Play. "
                    "Then set β = 0 and play again.")
    with right:
        if DIAGRAM.exists():
            st.image(str(DIAGRAM), caption="A task embedding goes in, a whole network comes "
                                           "out.", width="stretch")
    st.subheader("Pages")
    cols = st.columns(3)
    shown = [p for p in existing_pages() if p != HOME]
    for i, (path, label, icon, what) in enumerate(shown):
        with cols[i % 3]:
            with st.container(border=True):
                page_link(path, f"**{label}**", icon)
                st.caption(what)
    st.caption("Bundled demo runs are already loaded (see the sidebar), so every page has "
               "content before you train anything. Your runs live in this browser session; save "
               "or download them on the Train or Checkpoints page.")


def lecture_link() -> None:
    """The lecture mode, prominently: the first thing a lecturer looks for."""
    with st.container(border=True, key="home-lecture"):
        c1, c2 = st.columns([1, 3.2], vertical_alignment="center")
        with c1:
            page_link(LECTURE.script, "**Lecture mode** (projector)", LECTURE.icon)
        c2.caption("The paper's story in nine steps, one screen each at 1280×720: forgetting, "
                   "the hypernetwork and its regularizer, β = 0 against β > 0 trained live, the "
                   "embedding plane, interpolation, compression, HNET against EWC and SI, the "
                   "task not given (HNET+ENT against HNET+R), and the paper's results. "
                   "← / → move between steps; `?step=N` opens step N.")
