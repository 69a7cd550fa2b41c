"""Embedding space: where the task embeddings live and what the network at any point does."""

from hnviz.ui import embedding_page, page

page.setup("Embedding space", "🗺️")
with page.guard("the Embedding space page"):
    embedding_page.render()
