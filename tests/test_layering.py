"""Library code never imports streamlit (only hnviz/ui does)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def library_modules() -> list[str]:
    """Every module of hnviz/ outside hnviz/ui (core, analysis, cli, sweeps, run_args, ...)."""
    ui = ROOT / "hnviz" / "ui"
    return sorted(".".join(p.relative_to(ROOT).with_suffix("").parts)
                  for p in (ROOT / "hnviz").rglob("*.py")
                  if ui not in p.parents and p.name not in ("__init__.py", "__main__.py"))


def test_library_does_not_import_streamlit():
    mods = library_modules()
    assert {"hnviz.cli", "hnviz.sweeps.engine", "hnviz.sweeps.dask_backend", "hnviz.core.trainer",
            "hnviz.analysis.sweeps", "hnviz.live.pool", "hnviz.live.worker"} <= set(mods)
    code = (f"import sys, importlib\nfor m in {mods!r}: importlib.import_module(m)\n"
            "assert 'streamlit' not in sys.modules, 'streamlit imported'\nprint('ok')")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr


def test_pages_hold_no_torch_code():
    for page in [ROOT / "app.py", *(ROOT / "pages").glob("*.py")]:
        if page.exists():
            text = page.read_text()
            assert "import torch" not in text, page


def test_live_package_imports_no_torch_on_the_server_side():
    """The server builds pools and reads mirrors without the engine; only workers (and
    hnviz.live.host, which they import) load torch, after setting the CPU policy."""
    code = ("import sys, hnviz.live, hnviz.live.worker, hnviz.live.pool\n"
            "assert 'torch' not in sys.modules and 'streamlit' not in sys.modules\nprint('ok')")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr
