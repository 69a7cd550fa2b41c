"""Where hnviz's files are, from a checkout and from an installed package (stdlib only).

    app_root()     the app's files: app.py, pages/, assets/, .streamlit/config.toml
    asset(*parts)  a bundled file or folder: app_root()/assets/<parts>
    source_root()  the checkout this hnviz runs from, or None (installed from a wheel)
    home()         where a user's runs and datasets go by default
    runs_dir()     users' runs and sweeps: $HNVIZ_RUNS_DIR, else home()/runs
    data_dir()     datasets (MNIST family, CIFAR): $HNVIZ_DATA, else home()/data

The app's files live at the repository's top level; a wheel carries them as hnviz/_app/ (setup.py
maps them there at build time). `app_root()` is the one place that knows both: every module that
reads a bundled file asks it, so the same code runs from `make run` and from `hnviz app`.

`home()` is `$HNVIZ_HOME`, else the checkout (its git-ignored runs/ and data/, where `make run`
and `python -m hnviz` have always kept them), else the platform's folder for a user's data
(Linux: `$XDG_DATA_HOME/hnviz` or ~/.local/share/hnviz; macOS: ~/Library/Application
Support/hnviz; Windows: %LOCALAPPDATA%\\hnviz): never inside site-packages. `runs_dir()` and
`data_dir()` are the one place each default is resolved (`hnviz.serve.userstore.runs_root` and
`hnviz.core.datasets_torchvision.resolve_data_root`, after --data-root, read them).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent  # the hnviz package being run
INSTALLED_APP = PACKAGE / "_app"  # the app's files inside an installed wheel
APP_FILES = ("app.py", "pages", "assets")  # what makes a folder the app's


def _is_app(folder: Path) -> bool:
    return all((folder / name).exists() for name in APP_FILES)


def source_root() -> Path | None:
    """The repository this hnviz runs from (a checkout, or an editable install of one): the
    folder that holds both the package and the app's files; None for an installed wheel."""
    root = PACKAGE.parent
    if not _is_app(INSTALLED_APP) and _is_app(root):
        return root
    return None


def app_root() -> Path:
    """The folder that holds app.py, pages/, assets/ and .streamlit/config.toml: hnviz/_app in
    an installed wheel, else the checkout's root."""
    if _is_app(INSTALLED_APP):
        return INSTALLED_APP
    root = source_root()
    if root is None:
        raise FileNotFoundError(
            f"hnviz's app files ({', '.join(APP_FILES)}) are neither in {INSTALLED_APP} (an "
            f"installed wheel) nor beside the package in {PACKAGE.parent} (a checkout): "
            "reinstall hnviz")
    return root


def asset(*parts: str) -> Path:
    """A bundled file or folder: assets/<parts> of the app (demo runs, sweeps, the paper table,
    the lecture's curves, diagrams)."""
    return app_root().joinpath("assets", *parts)


def user_data_dir(app: str = "hnviz") -> Path:
    """The platform's folder for one user's data of `app` (what platformdirs calls
    user_data_dir, without roaming or version folders)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Application Support")
    else:
        base = os.environ.get("XDG_DATA_HOME", "").strip() or str(Path.home() / ".local" / "share")
    return Path(base) / app


def home() -> Path:
    """Where a user's runs (runs/) and datasets (data/) go unless $HNVIZ_RUNS_DIR / $HNVIZ_DATA
    say otherwise: $HNVIZ_HOME, else the checkout, else the platform's user data folder."""
    env = os.environ.get("HNVIZ_HOME", "").strip()
    if env:
        return Path(env).expanduser().resolve()
    root = source_root()
    return root if root is not None else user_data_dir()


def runs_dir() -> Path:
    """Users' saved runs, autosaves and sweeps: $HNVIZ_RUNS_DIR, else home()/runs."""
    return Path(os.environ.get("HNVIZ_RUNS_DIR") or home() / "runs")


def data_dir() -> Path:
    """The datasets' root (--data-root overrides it per run): $HNVIZ_DATA, else home()/data."""
    return Path(os.environ.get("HNVIZ_DATA") or home() / "data")
