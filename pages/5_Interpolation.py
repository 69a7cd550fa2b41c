"""Interpolation: walk between two task embeddings and watch the generated network change."""

import hnviz.ui.boot  # noqa: F401 - first: starts the training pool (services.start_pool)
from hnviz.ui import interp_page, page

page.setup("Interpolation", "🧭")
with page.guard("the Interpolation page"):
    interp_page.render()
