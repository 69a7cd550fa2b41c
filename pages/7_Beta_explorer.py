"""β explorer: drag β and watch stability trade against plasticity (precomputed sweeps)."""

import hnviz.ui.boot  # noqa: F401 - first: starts the training pool (services.start_pool)
from hnviz.ui import page
from hnviz.ui.explorer import layout

page.setup("β explorer", "🎚️")
with page.guard("the β explorer"):
    layout.render()
