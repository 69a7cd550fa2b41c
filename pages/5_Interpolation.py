"""Interpolation: walk between two task embeddings and watch the generated network change."""

from hnviz.ui import interp_page, page

page.setup("Interpolation", "🧭")
with page.guard("the Interpolation page"):
    interp_page.render()
