"""Build hnviz's wheel from this checkout and install it into a new virtual environment, as a user
would (tests/test_packaging.py, the Dask and Ray crash tests, tests/e2e/test_installed_app.py).

    build_wheel(dest) -> Path
        `pip wheel` of a copy of the checkout (the files git sees: tracked and untracked, nothing
        ignored), so a build never writes into the repository and stale build/ files cannot leak
        into the wheel
    make_env(root, wheel, mode, extras) -> InstalledEnv
        "overlay": a new venv whose dependencies are this test environment's (read through a
            .pth file, `site.addsitedir`), hnviz installed from the wheel by pip (its dependency
            ranges checked against them, no index): a few seconds
        "fresh": a new venv into which pip installs the wheel with every dependency from the
            package index, except PyTorch's stack (torch, torchvision and what they require:
            ~5 GB of CUDA libraries), which is linked from this environment instead of being
            unpacked again

`HNVIZ_INSTALL_CHECK=fresh` (set by .ci/run) makes the installed-app test use "fresh"; the crash
tests always use "overlay". Processes run in an installed environment get no PYTHONPATH and a
working folder outside the repository: they import the installed hnviz or nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import venv
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODES = ("overlay", "fresh")


def install_mode() -> str:
    mode = os.environ.get("HNVIZ_INSTALL_CHECK", "overlay") or "overlay"
    if mode not in MODES:
        raise ValueError(f"HNVIZ_INSTALL_CHECK must be one of {MODES}, not {mode!r}")
    return mode


def checkout_files() -> list[str]:
    """The checkout's files as git sees them (tracked, plus untracked ones not ignored)."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, capture_output=True, check=True).stdout
    return sorted({f for f in out.decode().split("\0") if f and (ROOT / f).is_file()})


def build_wheel(dest: Path) -> Path:
    """hnviz's wheel, built by pip from a copy of the checkout into `dest`."""
    src = dest / "src"
    for f in checkout_files():
        (src / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, src / f)
    # this environment's setuptools, if it builds wheels by itself (>= 70.1): no index needed
    import importlib.metadata as md

    from packaging.version import Version

    own = Version(md.version("setuptools")) >= Version("70.1")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dest),
                        *(["--no-build-isolation"] if own else []), str(src)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"pip wheel failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    (wheel,) = dest.glob("hnviz-*.whl")
    return wheel


USER_SETTINGS = ("PYTHONPATH", "PYTHONHOME", "HNVIZ_HOME", "HNVIZ_RUNS_DIR", "HNVIZ_DATA",
                 "HNVIZ_WORKERS")


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything that would import the checkout, and without
    the test suite's hnviz settings (its runs folder, in-process training): a user's."""
    env = {k: v for k, v in os.environ.items() if k not in USER_SETTINGS}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


@dataclass(frozen=True)
class InstalledEnv:
    root: Path  # the venv
    mode: str
    install_s: float  # how long creating the venv and installing took

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def python(self) -> str:
        return str(self.bin / "python")

    @property
    def hnviz(self) -> str:
        """The console script pip wrote."""
        return str(self.bin / "hnviz")

    def run(self, argv: list[str], cwd: Path, timeout: float = 300,
            **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(argv, cwd=cwd, env=clean_env(**env), capture_output=True,
                              text=True, timeout=timeout)


def _site_packages() -> str:
    return sysconfig.get_paths()["purelib"]  # this (test) environment's


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def torch_stack() -> list:
    """The installed distributions torch and torchvision need, extras followed."""
    return closure(["torch", "torchvision"])


def closure(requirements: list[str]) -> list:
    """The installed distributions these requirements ("dask[distributed]", "torch") need,
    themselves included, following extras and markers."""
    import importlib.metadata as md

    from packaging.requirements import Requirement

    seen: dict[str, tuple] = {}
    todo = [(r.name, frozenset(r.extras)) for r in map(Requirement, requirements)]
    while todo:
        name, extras = todo.pop()
        key = _canonical(name)
        old = seen.get(key)
        if old is not None and extras <= old[1]:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        extras = extras | (old[1] if old else frozenset())
        seen[key] = (dist, extras)
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker and not any(req.marker.evaluate({"extra": e}) for e in ("", *extras)):
                continue
            todo.append((req.name, frozenset(req.extras)))
    return [d for d, _ in seen.values()]


def _link_torch_stack(base: Path) -> None:
    """Symlink each file or folder the torch stack installed at the top of site-packages."""
    base.mkdir(parents=True)
    for dist in torch_stack():
        where = Path(dist.locate_file(""))
        for f in dist.files or []:
            top = f.parts[0]
            if top in ("..", "__pycache__") or top.endswith(".pth"):
                continue
            if not (base / top).exists():
                (base / top).symlink_to(where / top)


def make_env(root: Path, wheel: Path | None, mode: str = "overlay", extras: str = ""
             ) -> InstalledEnv:
    """A new venv at `root` with hnviz installed from `wheel` (see the module docstring); with
    wheel None, without hnviz (pip can install it from elsewhere)."""
    t0 = time.perf_counter()
    fresh = mode == "fresh"
    venv.EnvBuilder(with_pip=fresh, symlinks=True).create(root)
    site = Path(sysconfig.get_paths(vars={"base": str(root), "platbase": str(root)})["purelib"])
    if fresh:
        base = root / "torch-stack"
        _link_torch_stack(base)
        shared = base
    else:
        shared = Path(_site_packages())
    (site / "_hnviz_test_base.pth").write_text(f"import site; site.addsitedir({str(shared)!r})\n")
    if wheel is None:
        return InstalledEnv(root, mode, time.perf_counter() - t0)
    target = f"{wheel}[{extras}]" if extras else str(wheel)
    # --no-compile: a throwaway venv; Python compiles what a test imports when it imports it
    argv = [str(root / "bin" / "python"), "-m", "pip", "install", "-q", "--no-compile",
            "--disable-pip-version-check", target]
    if not fresh:
        argv.insert(4, "--no-index")  # everything is there already: never download
    r = subprocess.run(argv, cwd=root, env=clean_env(), capture_output=True, text=True,
                       timeout=1800)
    assert r.returncode == 0, f"pip install failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return InstalledEnv(root, mode, time.perf_counter() - t0)
