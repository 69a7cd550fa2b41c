"""Lecture: the paper's story in nine steps, for a projector (no sidebar; ?step=N)."""

import hnviz.ui.boot  # noqa: F401 - first: starts the training pool (services.start_pool)
from hnviz.ui import page
from hnviz.ui.lecture import layout

page.setup("Lecture", "🎓", sidebar=False)
with page.guard("the lecture"):
    layout.render()
