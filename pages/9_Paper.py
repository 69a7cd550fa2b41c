"""Paper: the reproduction table, the paper's numbers next to ours, each row linked to its runs."""

import hnviz.ui.boot  # noqa: F401 - first: starts the training pool (services.start_pool)
from hnviz.ui import page
from hnviz.ui.paper import layout

page.setup("Paper", "📄")
with page.guard("the Paper page"):
    layout.render()
