"""Paper: the reproduction table, the paper's numbers next to ours, each row linked to its runs."""

from hnviz.ui import page, paper_page

page.setup("Paper", "📄")
with page.guard("the Paper page"):
    paper_page.render()
