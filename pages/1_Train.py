"""Train: set up a run, press play, watch old tasks stay put (or drift)."""


from hnviz.ui import page, train_page

entry = page.setup("Train", "🏋️")
with page.guard("the Train page"):
    train_page.render()
