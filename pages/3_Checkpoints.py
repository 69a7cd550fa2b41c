"""Checkpoints: load, save, download, upload and delete runs."""

from hnviz.ui import checkpoints_page, page

page.setup("Checkpoints", "💾")
with page.guard("the Checkpoints page"):
    checkpoints_page.render()
