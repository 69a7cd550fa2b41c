"""Checkpoints: load, save, download, upload and delete runs."""

import hnviz.ui.boot  # noqa: F401 - first: starts the training pool (services.start_pool)
from hnviz.ui import page
from hnviz.ui.checkpoints import layout

page.setup("Checkpoints", "💾")
with page.guard("the Checkpoints page"):
    layout.render()
