"""Task inference: what a run does when the task is not given (CL2/CL3)."""

import hnviz.ui.boot  # noqa: F401 - first: starts the training pool (services.start_pool)
from hnviz.ui import page
from hnviz.ui.task_inference import layout

page.setup("Task inference", "🔎")
with page.guard("the Task inference page"):
    layout.render()
