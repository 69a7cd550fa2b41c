"""Embedding space: where the task embeddings live and what the network at any point does."""

import hnviz.ui.boot  # noqa: F401 - first: starts the training pool (services.start_pool)
from hnviz.ui import page
from hnviz.ui.embedding import layout

page.setup("Embedding space", "🗺️")
with page.guard("the Embedding space page"):
    layout.render()
