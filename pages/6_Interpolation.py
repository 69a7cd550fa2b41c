"""Interpolation: walk between two task embeddings and watch the generated network change."""

import hnviz.ui.boot  # noqa: F401 - first: starts the training pool (services.start_pool)
from hnviz.ui import page
from hnviz.ui.interpolation import layout

page.setup("Interpolation", "🧭")
with page.guard("the Interpolation page"):
    layout.render()
