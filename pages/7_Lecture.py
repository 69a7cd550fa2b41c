"""Lecture: the paper's story in seven steps, for a projector (no sidebar; ?step=N)."""

from hnviz.ui import lecture, page

page.setup("Lecture", "🎓", sidebar=False)
with page.guard("the lecture"):
    lecture.render()
