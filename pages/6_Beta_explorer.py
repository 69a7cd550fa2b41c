"""β explorer: drag β and watch stability trade against plasticity (precomputed sweeps)."""

from hnviz.ui import explorer_view, page

page.setup("β explorer", "🎚️")
with page.guard("the β explorer"):
    explorer_view.render()
