"""hnviz home: what a task-conditioned hypernetwork is, why it does not forget, and the pages."""


import hnviz.ui.boot  # noqa: F401 - first: starts the training pool (services.start_pool)
from hnviz.ui import page
from hnviz.ui.home import layout

page.setup("Home", "🧠")
with page.guard("the home page"):
    layout.render()
