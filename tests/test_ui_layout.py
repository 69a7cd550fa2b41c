"""hnviz/ui grouped by page: the page files numbered in the order the sidebar shows them, their
URL paths those of earlier versions, one folder per page with its body in layout.py, a few
shared modules at the top."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.source_util import page_icon_and_name

from hnviz.ui import nav

ROOT = Path(__file__).resolve().parents[1]
UI = ROOT / "hnviz" / "ui"
SHARED_PACKAGES = {"url"}  # folders of shared parts, not pages
MAX_TOP_LEVEL = 15


def test_pages_are_numbered_uniquely_in_the_order_the_sidebar_shows() -> None:
    files = sorted((ROOT / "pages").glob("*.py"), key=lambda p: int(p.name.split("_")[0]))
    shown = [p.script for p in nav.PAGES if p != nav.HOME]
    assert [f"pages/{f.name}" for f in files] == shown  # every page in the sidebar, in order
    assert [int(f.name.split("_")[0]) for f in files] == list(range(1, len(files) + 1))
    assert nav.PAGES[0] == nav.HOME and nav.HOME.script == "app.py"


def test_the_pages_keep_the_url_paths_of_earlier_versions() -> None:
    """Streamlit takes a page's URL path from its file name without the number, so links
    such as /Task_inference?run=… and /Lecture?step=3 open the same pages as before."""
    paths = [p.url_path for p in nav.PAGES if p != nav.HOME]
    assert paths == ["Train", "Forgetting", "Task_inference", "Checkpoints", "Embedding_space",
                     "Interpolation", "Beta_explorer", "Lecture", "Paper"]
    for p in nav.PAGES[1:]:
        assert page_icon_and_name(Path(p.script))[1] == p.url_path


def _page_folders() -> list[Path]:
    return sorted(d for d in UI.iterdir()
                  if d.is_dir() and (d / "__init__.py").exists() and d.name not in SHARED_PACKAGES)


def test_every_page_has_a_folder_whose_layout_it_renders() -> None:
    folders = {d.name for d in _page_folders()}
    bodies = {}
    for p in nav.PAGES:
        text = (ROOT / p.script).read_text()
        m = re.search(r"^from hnviz\.ui\.(\w+) import layout\b", text, re.M)
        assert m, f"{p.script} does not lay out hnviz.ui.<page>.layout"
        assert re.search(r"\blayout\.render\(\)", text), p.script
        bodies[p.script] = m.group(1)
    assert sorted(bodies.values()) == sorted(folders)  # one folder per page, no other
    for name in folders:
        assert re.search(r"^def render\(\)", (UI / name / "layout.py").read_text(), re.M), name


def test_hnviz_ui_has_few_top_level_modules() -> None:
    top = sorted(p.name for p in UI.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL, top

