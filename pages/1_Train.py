"""Train: set up a run, press play, watch old tasks stay put (or drift)."""


import hnviz.ui.boot  # noqa: F401 - first: starts the training pool (services.start_pool)
from hnviz.ui import page, train_page

entry = page.setup("Train", "🏋️")
with page.guard("the Train page"):
    train_page.render()
