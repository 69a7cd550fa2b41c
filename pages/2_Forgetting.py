"""Forgetting: the accuracy matrix, forgetting/BWT/FWT and a comparison of methods."""

import hnviz.ui.boot  # noqa: F401 - first: starts the training pool (services.start_pool)
from hnviz.ui import page
from hnviz.ui.forgetting import layout

page.setup("Forgetting", "📉")
with page.guard("the Forgetting page"):
    layout.render()
