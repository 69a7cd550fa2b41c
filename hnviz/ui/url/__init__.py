"""Views and setups in the address bar: one mechanism for every page.

`query.PageUrl` is the only reader and writer of the query parameters (each page declares the keys
it owns); `slider` is its browser-side half for Plotly sliders; `runs` the run a page shows
(`?run=`, every page) and the runs a link names; `config` a run configuration <-> the Train
page's parameters (pure). The keys of every page: docs/APP.md, "Sharing a view".
"""
