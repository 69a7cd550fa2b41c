"""hnviz home: what a task-conditioned hypernetwork is, why it does not forget, and the pages."""


from hnviz.ui import home, page

page.setup("Home", "🧠")
with page.guard("the home page"):
    home.render()
