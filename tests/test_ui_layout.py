"""hnviz/ui grouped by page: the page files numbered in the order the sidebar shows them, their
URL paths those of earlier versions, one folder per page with its body in layout.py, a few
shared modules at the top that import no page, and docs/ARCHITECTURE.md's file → page map
naming every module."""

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


def test_the_architecture_doc_maps_every_ui_module() -> None:
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    section = doc[doc.index("## hnviz/ui"):]
    section = section[:section.index("\n## ", 1)]
    missing = [str(p.relative_to(UI)) for p in sorted(UI.rglob("*.py"))
               if p.name != "__init__.py" and f"`{p.relative_to(UI)}`" not in section
               and f"`{p.name}`" not in section]
    assert missing == [], f"docs/ARCHITECTURE.md's hnviz/ui section does not name {missing}"
    for p in nav.PAGES:
        assert f"`{p.script}`" in section, p.script


def _imports(path: Path) -> set[str]:
    """The hnviz.ui parts a module imports ('train', 'charts', 'url', …), function-level too."""
    text = path.read_text()
    found = set(re.findall(r"^\s*from hnviz\.ui\.(\w+)", text, re.M))
    found |= set(re.findall(r"^\s*import hnviz\.ui\.(\w+)", text, re.M))
    for names in re.findall(r"^\s*from hnviz\.ui import ([\w ,]+)", text, re.M):
        found |= {n.split(" as ")[0].strip() for n in names.split(",")}
    return found


def test_shared_parts_import_no_page_and_pages_import_no_circle() -> None:
    pages = {d.name for d in _page_folders()}
    for p in UI.glob("*.py"):
        assert not _imports(p) & pages, f"{p.name} (shared) imports a page: {_imports(p) & pages}"
    for p in (UI / "url").glob("*.py"):
        assert not _imports(p) & pages, f"url/{p.name} imports a page"
    deps = {name: set().union(*(_imports(f) for f in (UI / name).glob("*.py"))) & pages - {name}
            for name in pages}
    seen: dict[str, int] = {}

    def visit(n: str, path: tuple[str, ...]) -> None:
        assert seen.get(n) != 1, f"page folders import in a circle: {' -> '.join(path + (n,))}"
        if seen.get(n) == 2:
            return
        seen[n] = 1
        for m in deps[n]:
            visit(m, path + (n,))
        seen[n] = 2

    for n in sorted(pages):
        visit(n, ())
    assert deps["interpolation"] == {"embedding"}  # what docs/ARCHITECTURE.md says
    assert deps["lecture"] == {"train", "embedding", "interpolation", "explorer",
                               "task_inference", "paper"}
