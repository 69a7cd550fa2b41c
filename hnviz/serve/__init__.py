"""Serving many users from one process: per-user files, workspaces of runs, shared demos.

Library code (no streamlit): the app's `hnviz/ui` maps each browser session onto these."""
