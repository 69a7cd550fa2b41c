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


# The engine's own layers (hnviz/core): configs at the bottom (leaves), the registries above the
# configs their entries hold, the trainer above those; no import circle, and no import inside a
# function that would close one (an import moved into a function only to dodge a circle).
LEAVES = {"errors": set(), "limits": {"errors"}, "config": {"errors", "limits"}}


def core_imports(include_functions: bool = True) -> dict[str, set[str]]:
    """hnviz.core module -> the hnviz.core modules it imports when it runs (module level, and
    inside functions unless told otherwise; `if TYPE_CHECKING:` blocks are not imports)."""
    import ast

    def imported(node, mod: str) -> set[str]:
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                return {node.module.split(".")[0]} if node.module else {a.name for a in
                                                                         node.names}
            if node.module and node.module.startswith("hnviz.core."):
                return {node.module.split(".")[2]}
            if node.module == "hnviz.core":
                return {a.name for a in node.names}
        if isinstance(node, ast.Import):
            return {a.name.split(".")[2] for a in node.names
                    if a.name.startswith("hnviz.core.")}
        return set()

    def walk(body, mod: str, top: bool) -> set[str]:
        out: set[str] = set()
        for node in body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                out |= walk(node.orelse, mod, top)
                continue
            out |= imported(node, mod)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not include_functions:
                continue
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(node, field, None)
                if isinstance(inner, list):
                    out |= walk(inner, mod, False)
        return out

    graph = {}
    for p in sorted((ROOT / "hnviz" / "core").glob("*.py")):
        if p.stem != "__init__":
            graph[p.stem] = walk(ast.parse(p.read_text()).body, p.stem, True) - {p.stem}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(n: str, path: list[str]) -> list[str] | None:
        state[n] = 1
        for d in sorted(graph.get(n, ())):
            if state.get(d) == 1:
                return path[path.index(d):] + [d]
            if d not in state and (found := visit(d, path + [d])):
                return found
        state[n] = 2
        return None

    for n in graph:
        if n not in state and (found := visit(n, [n])):
            return found
    return None


def test_the_engine_has_no_import_circle():
    """Imports inside functions count: one that only dodges a circle closes it here."""
    graph = core_imports()
    assert {"config", "benchmarks", "method_specs", "admission", "trainer"} <= set(graph)
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_configs_are_leaves_below_the_registries():
    graph = core_imports()
    for leaf, allowed in LEAVES.items():
        assert graph[leaf] <= allowed, (leaf, graph[leaf])
    for registry in ("benchmarks", "method_specs", "scenarios"):  # above the configs they hold
        assert "config" in graph[registry]
        assert not {"admission", "trainer", "io", "sizes"} & graph[registry], registry


def test_building_a_config_loads_only_leaf_modules():
    """In a fresh interpreter, building every config loads config.py's leaves and the package
    (`hnviz.core` applies the CPU thread policy), no registry, model, data or trainer module
    (it loaded 17 more hnviz.core modules through imports inside config.py before)."""
    code = ("import sys\n"
            "from hnviz.core.config import (HnetConfig, ReplayConfig, RunConfig, TargetConfig, "
            "TaskConfig, TrainConfig)\n"
            "RunConfig(); TaskConfig(benchmark='split-mnist', n_tasks=3, scenario='cl3'); "
            "TrainConfig(method='ewc'); TargetConfig(kind='zenke'); HnetConfig(); "
            "ReplayConfig()\n"
            "RunConfig.from_dict({'task': {'benchmark': 'split-cifar', 'subset': 10}})\n"
            "print(sorted(m for m in sys.modules if m.startswith('hnviz')))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    loaded = set(eval(r.stdout.strip().splitlines()[-1]))
    assert loaded == {"hnviz", "hnviz.core", "hnviz.core.threads", "hnviz.core.config",
                      "hnviz.core.errors", "hnviz.core.limits"}, loaded
