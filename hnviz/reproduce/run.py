"""Running the experiments of the registry and tabulating them.

Each experiment is one sweep (`hnviz.sweeps`: a grid over its methods × `task.scenario` × seeds,
run by the local worker pool; resumable, one run file per point, a manifest `sweep.json`); its
rows are read back from the manifest:

    row = {experiment, benchmark, scenario, method, metric, paper, paper_spread, paper_source,
           paper_verified (False: the number's source was not readable here; absent: True),
           mean, spread (sample std over seeds), n, values [per seed], task_inference_acc (mean,
           CL2/CL3), mean_given (task given, CL2/CL3), wall_s (mean per run), config (what the
           runs were: iterations, target, hnet), sweep (the manifest's path), runs [file names],
           status: "ok" | "failed" | "not run", reason}

Accuracies are in % (as the paper writes them); the toy's MSE as it is.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hnviz.core.benchmarks import benchmark
from hnviz.core.config import RunConfig
from hnviz.core.io import write_atomic
from hnviz.core.method_specs import method_spec
from hnviz.core.presets import default_config
from hnviz.core.scenarios import DEFAULT_SCENARIO

from .experiments import Experiment

TABLE_FORMAT = "hnviz-reproduce"
TABLE_VERSION = 1


def base_configs(exp: Experiment, full: bool, data_root: str | None = None
                 ) -> list[RunConfig]:
    """One config per method: the benchmark's preset for the experiment's number of tasks (a
    long sequence's own, `Benchmark.long`) with the experiment's overrides."""
    out = []
    for method in exp.methods:
        cfg = default_config(exp.benchmark, method, n_tasks=exp.n_tasks)
        over = {k: dict(v) for k, v in exp.overrides(full).items()}
        if data_root:
            over.setdefault("task", {})["data_root"] = data_root
        out.append(cfg.replace(**over))
    return out


def describe(cfg: RunConfig) -> str:
    """'500 iters/task, batch 32, lr 0.001, target 100-100, hnet chunked 32-32' (preceded by
    '100 tasks, ' when the experiment sets the number of tasks)."""
    tr, hn = cfg.train, cfg.hnet
    text = f"{cfg.task.n_tasks} tasks, " if cfg.task.n_tasks is not None else ""
    text += (f"{tr.iters_per_task} iters/task, batch {tr.batch_size}, lr {tr.lr:g}, target "
            f"{'-'.join(map(str, cfg.target.hidden))}")
    spec = method_spec(cfg.train.method)
    if spec.has_embeddings:
        text += f", hnet {hn.kind} {'-'.join(map(str, hn.hidden))} emb {hn.emb_dim}"
    if spec.replay:
        r = cfg.replay
        text += (f", VAE latent {r.latent_dim} dec {'-'.join(map(str, r.hidden))}, "
                 f"replay batch {r.batch}, β_r {r.beta:g}")
    return text


def command(exp: Experiment, full: bool, seeds: Sequence[int]) -> str:
    """The command that (re)produces the experiment's rows."""
    return ("python -m hnviz reproduce --experiment " + exp.name + (" --full" if full else "")
            + " --seeds " + ",".join(map(str, seeds)) + (" " + exp.narrowed if exp.narrowed
                                                          else ""))


def _stats(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def paper_fields(exp: Experiment, scn: str, method: str) -> dict[str, Any]:
    """The row's paper columns: the registry's number for (scenario, method), or Nones."""
    paper = exp.paper.get((scn, method))
    if paper is None:
        return {"paper": None, "paper_spread": None, "paper_source": None,
                "paper_verified": None}
    return {"paper": paper.value, "paper_spread": paper.spread, "paper_source": paper.source,
            "paper_verified": paper.verified}


def rows_from_manifest(exp: Experiment, manifest: dict[str, Any], full: bool,
                       sweep_path: str, seeds: Sequence[int]) -> list[dict[str, Any]]:
    """The table rows of one experiment's finished sweep."""
    b = benchmark(exp.benchmark)
    scale = 100.0 if b.metric.name == "accuracy" else 1.0
    configs = {c.train.method: c for c in base_configs(exp, full)}
    rows = []
    for scn in exp.scenarios:
        for method in exp.methods:
            runs = [r for r in manifest["runs"] if r["method"] == method
                    and r.get("params", {}).get("task.scenario", DEFAULT_SCENARIO) == scn]
            ok = [r for r in runs if r["status"] == "ok" and r.get("summary")]
            vals = [scale * r["summary"]["mean_final"] for r in ok]
            tia = [100.0 * r["summary"]["task_inference_acc"] for r in ok
                   if r["summary"].get("task_inference_acc") is not None]
            given = [scale * r["summary"]["mean_final_given"] for r in ok
                     if r["summary"].get("mean_final_given") is not None]
            walls = [r["summary"]["wall_s"] for r in ok]
            mean, spread = _stats(vals)
            rows.append({
                "experiment": exp.name, "benchmark": exp.benchmark, "scenario": scn,
                "method": method, "metric": b.metric.name, **paper_fields(exp, scn, method),
                "mean": mean, "spread": spread, "n": len(vals), "values": vals,
                "task_inference_acc": _stats(tia)[0], "mean_given": _stats(given)[0],
                "wall_s": _stats(walls)[0], "config": describe(configs[method]),
                "sweep": sweep_path, "runs": [r["file"] for r in runs],
                "status": "ok" if len(ok) == len(runs) and runs else "failed",
                "reason": "; ".join(sorted({r.get("error") or "" for r in runs
                                            if r["status"] != "ok"})) or None,
                "command": command(exp, full, seeds)})
    return rows


def not_run_rows(exp: Experiment, full: bool, seeds: Sequence[int], reason: str
                 ) -> list[dict[str, Any]]:
    """Rows of an experiment that could not run here (e.g. its data is not on disk)."""
    configs = {c.train.method: c for c in base_configs(exp, full)}
    out = []
    for scn in exp.scenarios:
        for method in exp.methods:
            out.append({
                "experiment": exp.name, "benchmark": exp.benchmark, "scenario": scn,
                "method": method, "metric": benchmark(exp.benchmark).metric.name,
                **paper_fields(exp, scn, method), "mean": None,
                "spread": None, "n": 0, "values": [], "task_inference_acc": None,
                "mean_given": None, "wall_s": None, "config": describe(configs[method]),
                "sweep": None, "runs": [], "status": "not run", "reason": reason,
                "command": command(exp, full, seeds)})
    return out


def run_experiment(exp: Experiment, out: Path, full: bool, seeds: Sequence[int],
                   jobs: int | None, data_root: str | None = None, progress: bool = True,
                   allow_large: bool = False) -> list[dict[str, Any]]:
    """Run (or resume) the experiment's sweep into out/<name>/ and return its rows; rows
    "not run" (with the reason and the command) when its data is not available here."""
    from hnviz.core.limits import HARD, LIBRARY
    from hnviz.sweeps.engine import run_sweep
    from hnviz.sweeps.grid import make_grid

    reason = benchmark(exp.benchmark).unavailable_reason(data_root)
    if reason is not None:
        return not_run_rows(exp, full, seeds, reason)
    grid = make_grid(base_configs(exp, full, data_root), {"task.scenario": exp.scenarios},
                     seeds, limits=HARD if allow_large else LIBRARY)
    folder = out / exp.name
    manifest = run_sweep(grid, folder, jobs=jobs, progress=progress,
                         name=f"reproduce {exp.name}{' (full)' if full else ''}")
    return rows_from_manifest(exp, manifest, full, str(folder / "sweep.json"), seeds)


def write_table(rows: list[dict[str, Any]], path: Path, full: bool) -> None:
    """The table as JSON (what the Paper page reads), written atomically."""
    doc = {"format": TABLE_FORMAT, "version": TABLE_VERSION,
           "configuration": "full" if full else "lite", "rows": rows}
    data = json.dumps(doc, indent=1, allow_nan=False).encode()
    write_atomic(path, lambda f: f.write(data))


def bundled_rows(folder: Path, full: bool) -> list[dict[str, Any]]:
    """The rows of the bundle's table.json of the same configuration (lite / full), [] where
    there is none or it is not a table of this version."""
    try:
        doc = json.loads((folder / "table.json").read_text())
    except (OSError, ValueError):
        return []
    if (not isinstance(doc, dict) or doc.get("format") != TABLE_FORMAT
            or doc.get("version") != TABLE_VERSION
            or doc.get("configuration") != ("full" if full else "lite")
            or not isinstance(doc.get("rows"), list)):
        return []
    return [r for r in doc["rows"] if isinstance(r, dict) and "experiment" in r]


def _cell(r: dict[str, Any]) -> tuple[str, str, str]:
    return r["experiment"], r["scenario"], r["method"]


def _merged_experiment(name: str, old: list[dict[str, Any]], new: list[dict[str, Any]],
                       full: bool) -> list[dict[str, Any]]:
    """One experiment's rows. New rows of the whole experiment replace old's. New rows of a run
    narrowed by --methods / --scenarios (their command says so) replace only their cells
    (scenario × method): old's other cells stay, in the registry's order, and a registry cell in
    neither is a "not run" row with the command that runs it (the whole experiment at reproduce's
    default seeds), so none is silently absent."""
    from .experiments import EXPERIMENTS

    exp = EXPERIMENTS.get(name)
    narrowed = any(f" --{o} " in (r.get("command") or "") for r in new
                   for o in ("methods", "scenarios"))
    if exp is None or not narrowed:
        return new
    have = {_cell(r): r for r in old if r["status"] != "not run"}  # "not run": said anew
    have.update({_cell(r): r for r in new})
    missing = not_run_rows(exp, full, (0, 1, 2),  # reproduce's default seeds
                           "not run for this table: the run that made it was narrowed to other "
                           "methods or scenarios (--methods / --scenarios)")
    return [have.get(_cell(m), m) for m in missing]


def merge_rows(old: list[dict[str, Any]], new: list[dict[str, Any]], full: bool = False
               ) -> list[dict[str, Any]]:
    """`old` with every experiment that `new` has merged with new's rows (in old's place:
    `_merged_experiment`, new's cells replace old's), and new's other experiments after:
    re-running one experiment, or some of its methods, keeps the other rows."""
    ran = {r["experiment"] for r in new}
    out: list[dict[str, Any]] = []
    placed: set[str] = set()
    for e in [r["experiment"] for r in old] + [r["experiment"] for r in new]:
        if e in placed:
            continue
        placed.add(e)
        old_e = [r for r in old if r["experiment"] == e]
        out += (old_e if e not in ran else
                _merged_experiment(e, old_e, [r for r in new if r["experiment"] == e], full))
    return out


def _manifest_name(row: dict[str, Any]) -> str:
    """The bundled manifest's file name: sweep.json, or for a run narrowed by --methods /
    --scenarios / --iters one named after those options (sweep_methods-hnet-si.json), so that
    the rows another narrowed run left in the bundle keep theirs."""
    words = (row.get("command") or "").split()
    parts = [f"{w.lstrip('-')}-{v.replace(',', '-')}" for w, v in zip(words, words[1:])
             if w in ("--methods", "--scenarios", "--iters")]
    if not parts:
        return "sweep.json"
    return "sweep_" + "_".join(re.sub(r"[^A-Za-z0-9-]", "", p) for p in parts)[:120] + ".json"


def write_bundle(rows: list[dict[str, Any]], folder: Path, full: bool) -> None:
    """table.json and each experiment's manifest (no run files) into `folder` (the app's
    assets/paper, read by the Paper page); the rows point at the bundled manifests (paths
    relative to the folder). Rows of experiments (or an experiment's methods and scenarios) not
    run this time stay as the bundle had them (`merge_rows`)."""
    folder.mkdir(parents=True, exist_ok=True)
    kept = bundled_rows(folder, full)
    bundled = []
    for r in rows:
        r = dict(r)
        if r["sweep"]:
            rel = f"{r['experiment']}/{_manifest_name(r)}"
            dest = folder / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(r["sweep"], dest)
            r["sweep"] = rel
        bundled.append(r)
    write_table(merge_rows(kept, bundled, full), folder / "table.json", full)


def format_cell(mean: float | None, spread: float | None, metric: str) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "—"
    fmt = "{:.2f}" if metric == "accuracy" else "{:.4f}"
    return fmt.format(mean) + ("" if spread is None else " ± " + fmt.format(spread))


def markdown(rows: list[dict[str, Any]]) -> str:
    """The table in Markdown (docs/REPRODUCTION.md)."""
    head = ("| experiment | scenario | method | paper | measured (mean ± sd) | seeds | "
            "task inferred right | wall s/run |\n|---|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        paper = format_cell(r["paper"], r["paper_spread"], r["metric"])
        if r["paper"] is not None and r.get("paper_verified") is False:
            paper += " (unverified)"
        got = (format_cell(r["mean"], r["spread"], r["metric"]) if r["status"] != "not run"
               else "not run here")
        tia = "—" if r["task_inference_acc"] is None else f"{r['task_inference_acc']:.1f}"
        wall = "—" if r["wall_s"] is None else f"{r['wall_s']:.0f}"
        lines.append(f"| {r['experiment']} | {r['scenario'].upper()} | {r['method']} | {paper} "
                     f"| {got} | {r['n']} | {tia} | {wall} |")
    return "\n".join(lines)
