"""Task inference: what a run does when the task is not given (CL2/CL3)."""

import hnviz.ui.boot  # noqa: F401 - first: starts the training pool (services.start_pool)
from hnviz.ui import inference_page, page

page.setup("Task inference", "🔎")
with page.guard("the Task inference page"):
    inference_page.render()
