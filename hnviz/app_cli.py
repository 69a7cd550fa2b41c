"""`hnviz app`: serve the app in the browser from wherever this hnviz is, from any working folder.

    hnviz app [--port 8501] [--address 0.0.0.0] [--browser] [-- <more `streamlit run` options>]

It runs `python -P -m streamlit run <app_root()>/app.py` with this interpreter, so an installed
hnviz serves the pages and assets inside the package (hnviz/_app) and a checkout its own files.
Streamlit reads the app's settings from <app_root()>/.streamlit/config.toml (the config beside
the main script; a `.streamlit/config.toml` in the working folder or ~/.streamlit can add to
them). `-P` keeps the working folder off `sys.path`, so an `hnviz/` folder there cannot shadow
the package being served. Users' runs go to `hnviz.paths.runs_dir()`, never into the package.

This module imports no torch, no streamlit: the launcher only starts Streamlit, which imports
them once itself.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from . import __version__
from .paths import app_root, data_dir, runs_dir

HELP = "serve the app in the browser (Streamlit), from any working folder"
DEFAULT_PORT = 8501


def _port(s: str) -> int:
    try:
        port = int(s)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {s!r}: a number in 1..65535")
    return port


def add_app_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=_port, default=DEFAULT_PORT,
                   help=f"port to serve on (default {DEFAULT_PORT})")
    p.add_argument("--address", help="address to listen on (default: Streamlit's, every "
                                     "interface; 127.0.0.1 for this machine only)")
    p.add_argument("--browser", action="store_true", help="open the app in a browser tab")
    p.add_argument("streamlit_args", nargs=argparse.REMAINDER,
                   help="after `--`: more `streamlit run` options, e.g. -- "
                        "--server.maxUploadSize 100")


def app_argv(a: argparse.Namespace) -> list[str]:
    """The command that serves the app (`streamlit run`, this interpreter)."""
    extra = list(a.streamlit_args or [])
    if extra[:1] == ["--"]:
        extra = extra[1:]
    argv = [sys.executable, "-P", "-m", "streamlit", "run", str(app_root() / "app.py"),
            "--server.port", str(a.port),
            "--server.headless", "false" if a.browser else "true"]
    if a.address:
        argv += ["--server.address", a.address]
    return argv + extra


def cmd_app(a: argparse.Namespace) -> int:
    argv = app_argv(a)
    print(f"hnviz {__version__}: serving {app_root()} on port {a.port}; users' runs in "
          f"{runs_dir()}, datasets in {data_dir()}", file=sys.stderr, flush=True)
    if os.name == "posix":  # Streamlit takes this process over: signals go straight to it
        os.execv(argv[0], argv)
    return subprocess.call(argv)  # pragma: no cover - Windows has no exec
