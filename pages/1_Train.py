"""Train: set up a run, press play, watch old tasks stay put (or drift)."""


import hnviz.ui.boot  # noqa: F401 - first: starts the training pool (services.start_pool)
from hnviz.ui import page
from hnviz.ui.train import layout

entry = page.setup("Train", "🏋️")
with page.guard("the Train page"):
    layout.render()
