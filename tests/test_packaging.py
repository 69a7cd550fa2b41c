"""hnviz as a Python package: the wheel `pip wheel .` builds, and the `hnviz` command it installs,
run from a folder outside the repository with no PYTHONPATH (tests/packaging_helpers.py builds
and installs it; tests/e2e/test_installed_app.py serves the installed app to a browser).

With HNVIZ_INSTALL_CHECK=fresh (.ci/run) the venv is installed by pip from the package index
(PyTorch's stack linked from the test environment); otherwise its dependencies are the test
environment's, and `test_every_import_is_a_declared_dependency` covers what that cannot."""

from __future__ import annotations

import ast
import importlib.metadata as md
import json
import sys
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import hnviz
from tests.packaging_helpers import ROOT, checkout_files, clean_env, closure, make_env

TINY = ["--n-tasks", "2", "--iters", "40", "--eval-every", "20", "--quiet"]


def requirements(path: Path) -> list[Requirement]:
    lines = [ln.split("#")[0].strip() for ln in path.read_text().splitlines()]
    return [Requirement(ln) for ln in lines if ln and not ln.startswith("-")]


def key(r: Requirement) -> str:
    return str(r).lower().replace("_", "-")


def test_the_wheel_holds_the_package_and_the_app_and_nothing_else(hnviz_wheel):
    z = zipfile.ZipFile(hnviz_wheel)
    names = set(z.namelist())
    files = checkout_files()
    # every module of every subpackage, found by package discovery (no hand-kept list)
    want = {f for f in files if f.startswith("hnviz/") and f.endswith(".py")}
    # the app's entry script, pages, every bundled asset and the Streamlit config, as hnviz/_app
    app = {f for f in files if f == "app.py" or f == ".streamlit/config.toml"
           or (f.startswith("pages/") and f.endswith(".py")) or f.startswith("assets/")}
    assert {"app.py", ".streamlit/config.toml", "assets/runs/01-regression-hnet.pt",
            "assets/paper/table.json", "assets/lecture/forgetting-hnet.json",
            "assets/sweeps/toy-hnet-beta/sweep.json"} <= app
    want |= {f"hnviz/_app/{f}" for f in app}
    dist = {n for n in names if n.startswith(f"hnviz-{hnviz.__version__}.dist-info/")}
    assert names - dist == want  # nothing missing, and no tests, scripts, docs or setup.py
    for f in ("assets/runs/04-split-digits-hnet.pt", "pages/1_Train.py"):
        assert z.read(f"hnviz/_app/{f}") == (ROOT / f).read_bytes()

    meta = Parser().parsestr(z.read(f"hnviz-{hnviz.__version__}.dist-info/METADATA").decode())
    assert meta["Name"] == "hnviz" and meta["Version"] == hnviz.__version__
    assert meta["Requires-Python"] == ">=3.11"
    deps = [Requirement(r) for r in meta.get_all("Requires-Dist")]
    runtime = sorted(key(r) for r in deps if r.marker is None)
    assert runtime == sorted(key(r) for r in requirements(ROOT / "requirements.txt"))
    assert sorted(meta.get_all("Provides-Extra")) == ["cluster", "dev"]
    entry = z.read(f"hnviz-{hnviz.__version__}.dist-info/entry_points.txt").decode()
    assert "[console_scripts]\nhnviz = hnviz.cli:main" in entry
    print(f"\nwheel {hnviz_wheel.name}: {hnviz_wheel.stat().st_size / 1e6:.2f} MB, "
          f"{len(names)} files")


def test_requirements_dev_is_the_dev_and_cluster_extras():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    dev = [Requirement(r) for r in extras["dev"] if not r.startswith("hnviz[")]
    want = sorted(key(r) for r in dev + [Requirement(r) for r in extras["cluster"]])
    have = sorted(key(r) for r in requirements(ROOT / "requirements-dev.txt"))
    assert have == want
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text()


def _imports(path: Path) -> set[str]:
    out = set()
    for n in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(n, ast.Import):
            out |= {a.name.split(".")[0] for a in n.names}
        elif isinstance(n, ast.ImportFrom) and n.level == 0 and n.module:
            out.add(n.module.split(".")[0])
    return out


def test_every_import_is_a_declared_dependency():
    """What the installed package imports (library, pages, app.py) comes from a distribution it
    declares: requirements.txt, or the `cluster` extra for the Dask/Ray backends. A package
    that happens to be present (a dependency of a dependency, a dev tool) would break a fresh
    install on the first code path that needs it."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    declared = {r.name.lower() for r in requirements(ROOT / "requirements.txt")}
    # the Dask / Ray backends run only with the extra, and may use what it installs
    declared |= {d.metadata["Name"].lower() for d in closure(extras["cluster"])}
    dists = md.packages_distributions()
    sources = [*(ROOT / "hnviz").rglob("*.py"), ROOT / "app.py", *(ROOT / "pages").glob("*.py")]
    undeclared = {}
    for path in sources:
        for mod in _imports(path) - set(sys.stdlib_module_names) - {"hnviz", "__future__"}:
            names = {d.lower() for d in dists.get(mod, [mod])}
            if not names & declared:
                undeclared.setdefault(mod, []).append(str(path.relative_to(ROOT)))
    assert undeclared == {}, f"imported but not declared in requirements.txt: {undeclared}"


@pytest.mark.slow  # a venv, and subprocesses that import torch
def test_the_installed_command_trains_outside_the_repository(installed_hnviz, tmp_path):
    env = installed_hnviz
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    user = {"HOME": str(home), "XDG_DATA_HOME": ""}  # a user without HNVIZ_* settings
    r = env.run([env.hnviz, "train", "--benchmark", "split-digits", "--method", "hnet",
                 *TINY, "--out", "run.pt", "--json"], work, **user)
    assert r.returncode == 0, r.stderr[-3000:]
    d = json.loads(r.stdout.strip().splitlines()[-1])
    assert len(d["acc_matrix"]) == 2 and d["mean_final"] > 0.5 and d["method"] == "hnet"
    assert (work / "run.pt").is_file()
    r = env.run([env.python, "-m", "hnviz", "info", "run.pt", "--json"], work, **user)
    assert r.returncode == 0 and json.loads(r.stdout)["tasks_done"] == 2, r.stderr[-2000:]
    r = env.run([env.hnviz, "--version"], work, **user)
    assert r.stdout.strip() == f"hnviz {hnviz.__version__}"
    r = env.run([env.hnviz, "--help"], work, **user)
    assert r.returncode == 0 and all(c in r.stdout for c in ("train", "sweep", "app"))
    assert r.stdout.startswith("usage: hnviz ")

    # the installed package, its bundled files, and the user's folders outside it
    code = ("import json, hnviz, hnviz.paths as p\n"
            "from hnviz.serve.demos import DEMO_DIR\n"
            "print(json.dumps({'file': hnviz.__file__, 'app': str(p.app_root()),\n"
            "  'src': p.source_root(), 'runs': str(p.runs_dir()), 'data': str(p.data_dir()),\n"
            "  'demos': sorted(f.name for f in DEMO_DIR.glob('*.pt'))}))")
    r = env.run([env.python, "-c", code], work, **user)
    assert r.returncode == 0, r.stderr[-2000:]
    where = json.loads(r.stdout)
    package = Path(where["file"]).parent
    assert env.root in package.parents and where["src"] is None
    assert where["app"] == str(package / "_app")
    assert where["demos"] == sorted(p.name for p in (ROOT / "assets" / "runs").glob("*.pt"))
    user_dir = home / ".local" / "share" / "hnviz"
    assert (where["runs"], where["data"]) == (str(user_dir / "runs"), str(user_dir / "data"))
    # the data root in an error a user sees; $HNVIZ_HOME moves it
    r = env.run([env.hnviz, "train", "--benchmark", "split-mnist", *TINY], work, **user)
    assert r.returncode == 2 and str(user_dir / "data") in r.stderr, r.stderr[-2000:]
    r = env.run([env.hnviz, "train", "--benchmark", "split-mnist", *TINY], work,
                HNVIZ_HOME=str(tmp_path / "h"), **user)
    assert r.returncode == 2 and str(tmp_path / "h" / "data") in r.stderr, r.stderr[-2000:]
    assert not (work / "runs").exists() and not (work / "data").exists()


@pytest.mark.slow
def test_pip_install_and_editable_install_of_the_checkout(hnviz_wheel, tmp_path):
    """`pip install .` and `pip install -e .` (of the checkout's copy the wheel was built from):
    the first runs from the venv, the second from the checkout."""
    src = hnviz_wheel.parent / "src"
    code = ("import hnviz, hnviz.paths as p; "
            "print(hnviz.__file__, p.app_root(), p.source_root(), sep='\\n')")
    env = make_env(tmp_path / "venv", None)  # a venv without hnviz
    for editable in (False, True):
        argv = [env.python, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
                "--no-build-isolation", "--force-reinstall", *(["-e"] if editable else []),
                str(src)]
        r = env.run(argv, tmp_path, timeout=600)
        assert r.returncode == 0, r.stderr[-3000:]
        r = env.run([env.python, "-c", code], tmp_path)
        assert r.returncode == 0, r.stderr[-2000:]
        file, app, source = r.stdout.split()
        if editable:
            assert Path(file) == src / "hnviz" / "__init__.py"
            assert Path(app) == src and Path(source) == src
        else:
            assert env.root in Path(file).parents and Path(app).name == "_app"
            assert source == "None"
        r = env.run([str(env.bin / "hnviz"), "--version"], tmp_path)  # its console script
        assert r.stdout.strip() == f"hnviz {hnviz.__version__}", r.stderr[-2000:]


def test_clean_env_carries_no_path_to_the_checkout(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    assert "PYTHONPATH" not in clean_env() and "HNVIZ_RUNS_DIR" not in clean_env()
