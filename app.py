"""hnviz home: what a task-conditioned hypernetwork is, why it does not forget, and the pages."""


import hnviz.ui.boot  # noqa: F401 - first: starts the training pool (services.start_pool)
from hnviz.ui import home, page

page.setup("Home", "🧠")
with page.guard("the home page"):
    home.render()
