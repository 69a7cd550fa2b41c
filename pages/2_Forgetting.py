"""Forgetting: the accuracy matrix, forgetting/BWT/FWT and a comparison of methods."""

from hnviz.ui import forgetting_page, page

page.setup("Forgetting", "📉")
with page.guard("the Forgetting page"):
    forgetting_page.render()
