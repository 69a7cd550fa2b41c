"""Where hnviz finds its bundled files and where a user's runs and data go (hnviz/paths.py).

A checkout and an installed wheel differ only in `app_root()` (the repository root vs
hnviz/_app) and in `home()` (the checkout vs the platform's user data folder);
tests/test_packaging.py runs the real installed package."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hnviz import paths
from hnviz.core.datasets_torchvision import resolve_data_root
from hnviz.serve.userstore import runs_root

ROOT = Path(__file__).resolve().parents[1]


def test_a_checkout_runs_from_its_root():
    assert paths.source_root() == ROOT and paths.app_root() == ROOT
    assert paths.asset("runs") == ROOT / "assets" / "runs"
    assert sorted(p.name for p in paths.asset("runs").glob("*.pt"))  # the demos are there


def test_every_bundled_file_is_found_through_app_root():
    """The modules that read bundled files all point into app_root(): none computes its own
    path from its __file__ (which would break in hnviz/_app of a wheel)."""
    from hnviz.serve import demos
    from hnviz.ui import nav
    from hnviz.ui.explorer import compression as compression_view
    from hnviz.ui.explorer import data as explorer_data
    from hnviz.ui.home import layout as home
    from hnviz.ui.lecture import steps as lecture_steps
    from hnviz.ui.paper import layout as paper_page

    root = paths.app_root()
    for where in (demos.DEMO_DIR, explorer_data.BUNDLED_DIR, paper_page.BUNDLED,
                  lecture_steps.LECTURE_ASSETS, lecture_steps.HNET_DIAGRAM, home.DIAGRAM,
                  compression_view.SWEEPS, nav.ROOT / "app.py"):
        assert where.exists() and root in (where, *where.parents), where
    own = re.compile(r"Path\(__file__\)|__file__\)\.resolve\(\)\.parents")
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "hnviz").rglob("*.py")
                 if p.name != "paths.py" and own.search(p.read_text())]
    assert offenders == [], f"use hnviz.paths.app_root()/asset() instead: {offenders}"


def _fake_install(tmp_path: Path, monkeypatch) -> Path:
    app = tmp_path / "site-packages" / "hnviz" / "_app"
    for d in ("pages", "assets"):
        (app / d).mkdir(parents=True)
    (app / "app.py").write_text("")
    monkeypatch.setattr(paths, "INSTALLED_APP", app)
    return app


def test_an_installed_wheel_runs_from_its_app_folder(tmp_path, monkeypatch):
    app = _fake_install(tmp_path, monkeypatch)
    assert paths.app_root() == app and paths.asset("runs") == app / "assets" / "runs"
    assert paths.source_root() is None  # even though the checkout's files are still beside it


def test_home_is_hnviz_home_else_the_checkout_else_the_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("HNVIZ_HOME", raising=False)
    assert paths.home() == ROOT  # a checkout keeps runs/ and data/ in its (git-ignored) root
    monkeypatch.setenv("HNVIZ_HOME", str(tmp_path / "h"))
    assert paths.home() == tmp_path / "h"

    monkeypatch.delenv("HNVIZ_HOME")
    _fake_install(tmp_path, monkeypatch)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setattr(paths.sys, "platform", "linux")
    assert paths.home() == tmp_path / "user" / ".local" / "share" / "hnviz"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert paths.home() == tmp_path / "xdg" / "hnviz"
    monkeypatch.setattr(paths.sys, "platform", "darwin")
    assert paths.home() == tmp_path / "user" / "Library" / "Application Support" / "hnviz"
    monkeypatch.setattr(paths.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert paths.home() == tmp_path / "local" / "hnviz"


@pytest.mark.parametrize("installed", [False, True])
def test_runs_and_data_default_to_home_and_never_into_the_package(tmp_path, monkeypatch,
                                                                  installed):
    for var in ("HNVIZ_RUNS_DIR", "HNVIZ_DATA", "HNVIZ_HOME"):
        monkeypatch.delenv(var, raising=False)
    if installed:
        _fake_install(tmp_path, monkeypatch)
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
        monkeypatch.setattr(paths.sys, "platform", "linux")
        want = tmp_path / "xdg" / "hnviz"
    else:
        want = ROOT
    assert runs_root() == want / "runs"
    assert Path(resolve_data_root()) == want / "data"
    for where in (runs_root(), Path(resolve_data_root())):
        assert paths.PACKAGE not in where.parents and paths.INSTALLED_APP not in where.parents
    monkeypatch.setenv("HNVIZ_HOME", str(tmp_path / "home"))  # one variable moves both
    assert runs_root() == tmp_path / "home" / "runs"
    assert Path(resolve_data_root()) == tmp_path / "home" / "data"
    monkeypatch.setenv("HNVIZ_RUNS_DIR", str(tmp_path / "r"))  # and each has its own
    monkeypatch.setenv("HNVIZ_DATA", str(tmp_path / "d"))
    assert runs_root() == tmp_path / "r" and resolve_data_root() == str(tmp_path / "d")
    assert resolve_data_root(str(tmp_path / "arg")) == str(tmp_path / "arg")  # --data-root
