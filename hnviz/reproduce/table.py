"""Reading the reproduction table back (what the app's Paper page shows), as pure functions.

    table = read_table(folder / "table.json")        # TableError: one line saying why not
    for name in experiment_names(table.rows): ...
    for name in absent_experiments(table): rows = absent_rows(name, table.full)  # "not run"
    shown, notes = display_rows(table.rows_of(name))  # the page's rows, the paper's sources
    manifest = read_row_manifest(folder, row)         # the sweep that produced the row, or None
    cfg = row_config(row, manifest, full, seed)       # one run of it, as a RunConfig

The table's format is `run.write_table` (rows as `run.py`'s docstring lists them). A bundle
(`reproduce --bundle DIR`) holds table.json and each experiment's manifest at
<experiment>/sweep.json; a row's `sweep` is that path relative to the bundle.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hnviz.analysis.sweeps import SweepFileError, read_manifest
from hnviz.core.config import ConfigError, RunConfig
from hnviz.core.method_specs import short_name
from hnviz.core.scenarios import DEFAULT_SCENARIO

from .experiments import EXPERIMENTS
from .run import TABLE_FORMAT, TABLE_VERSION, base_configs, command, format_cell, not_run_rows

MAX_TABLE_BYTES = 20_000_000  # the table is a few hundred rows of numbers
MAX_ROWS = 5_000
ROW_FIELDS = ("experiment", "benchmark", "scenario", "method", "metric", "status")
STATUSES = ("ok", "failed", "not run")


class TableError(ValueError):
    """A table.json that cannot be shown; the message says why, in one line."""


@dataclass(frozen=True)
class Table:
    configuration: str  # "lite" | "full"
    rows: tuple[dict[str, Any], ...]

    @property
    def full(self) -> bool:
        return self.configuration == "full"

    def rows_of(self, experiment: str) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["experiment"] == experiment]


def read_table(path: str | Path) -> Table:
    """The table written by `run.write_table`, checked (format, version, each row's fields)."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_TABLE_BYTES:
            raise TableError(f"{p.name} is larger than {MAX_TABLE_BYTES // 1_000_000} MB")
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TableError(f"there is no {p.name} in {p.parent.name}/") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise TableError(f"{p.name} is not readable JSON ({type(e).__name__})") from None
    if not isinstance(doc, dict) or doc.get("format") != TABLE_FORMAT:
        raise TableError(f"{p.name} is not a reproduction table (format {TABLE_FORMAT!r})")
    if not isinstance(doc.get("version"), int) or doc["version"] > TABLE_VERSION:
        raise TableError(f"{p.name}: table version {doc.get('version')!r} is newer than this "
                         f"hnviz (reads up to {TABLE_VERSION})")
    rows = doc.get("rows")
    if not isinstance(rows, list) or not rows:
        raise TableError(f"{p.name} holds no rows")
    if len(rows) > MAX_ROWS:
        raise TableError(f"{p.name} has more than {MAX_ROWS} rows")
    for i, r in enumerate(rows):
        if not isinstance(r, dict):
            raise TableError(f"{p.name}: row {i + 1} is not an object")
        missing = [k for k in ROW_FIELDS if not isinstance(r.get(k), str)]
        if missing:
            raise TableError(f"{p.name}: row {i + 1} has no {', '.join(missing)}")
        if r["status"] not in STATUSES:
            raise TableError(f"{p.name}: row {i + 1} has status {r['status']!r}")
    conf = doc.get("configuration")
    return Table(conf if conf in ("lite", "full") else "lite", tuple(rows))


def experiment_names(rows: list[dict[str, Any]] | tuple[dict[str, Any], ...]) -> list[str]:
    """The experiments in the table, in the order of their first row."""
    return list(dict.fromkeys(r["experiment"] for r in rows))


def absent_experiments(table: Table) -> list[str]:
    """The registry's experiments that have no row in the table, in registry order: the page
    lists them too ("not run here", with the command), so none is silently absent."""
    have = {r["experiment"] for r in table.rows}
    return [name for name in EXPERIMENTS if name not in have]


def absent_rows(name: str, full: bool, data_root: str | None = None) -> list[dict[str, Any]]:
    """"not run" rows of a registry experiment the table lacks, with the registry's paper
    numbers, the command that runs it and why it is not here: its data missing on this machine
    (`Benchmark.unavailable_reason`: files are checked, nothing is loaded), else that the table
    was made without it."""
    from hnviz.core.benchmarks import benchmark

    exp = EXPERIMENTS[name]
    missing = benchmark(exp.benchmark).unavailable_reason(data_root)
    run_it = command(exp, full, exp.seeds)
    reason = (f"not in this table, and {missing}" if missing else
              f"not in this table: run it with `{run_it}`")
    return not_run_rows(exp, full, exp.seeds, reason)


def _num(v: Any) -> float | None:
    """A finite number, or None (a hand-edited table may hold anything)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    return float(v)


def paper_text(row: dict[str, Any]) -> str:
    """'99.79', '69.48 ± 0.80', '97.57 (unverified)' (its source was not readable: the row's
    `paper_verified` is False; tables without the field count as checked), or '—'."""
    text = format_cell(_num(row.get("paper")), _num(row.get("paper_spread")), row["metric"])
    if text != "—" and row.get("paper_verified") is False:
        text += " (unverified)"
    return text


def measured_text(row: dict[str, Any]) -> str:
    """'98.12 ± 0.40' (mean ± sample sd over seeds), or the status when nothing was measured."""
    mean = _num(row.get("mean"))
    if mean is None:
        return row["status"]
    return format_cell(mean, _num(row.get("spread")), row["metric"])


def status_text(row: dict[str, Any]) -> str:
    """'ok', or 'failed: why' / 'not run: why'."""
    reason = row.get("reason")
    return row["status"] + (f": {str(reason)[:300]}" if reason else "")


def display_rows(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """One experiment's rows as the page's table (text cells; "—" where nothing applies) and
    the footnotes: the paper's sources, numbered in the order the rows cite them."""
    notes: list[str] = []
    out = []
    for r in rows:
        paper = paper_text(r)
        src = r.get("paper_source")
        if isinstance(src, str) and src and paper != "—":
            if src not in notes:
                notes.append(src)
            paper += f" [{notes.index(src) + 1}]"
        tia, given, wall = (_num(r.get(k)) for k in ("task_inference_acc", "mean_given",
                                                      "wall_s"))
        out.append({
            "scenario": r["scenario"].upper(), "method": method_name(r), "paper": paper,
            "measured": measured_text(r), "seeds": int(_num(r.get("n")) or 0),
            "task inferred %": "—" if tia is None else f"{tia:.1f}",
            "task given": "—" if given is None else format_cell(given, None, r["metric"]),
            "wall s/run": "—" if wall is None else f"{wall:.1f}",
            "status": status_text(r), "configuration": str(r.get("config") or "")})
    return out, notes


def method_name(row: dict[str, Any]) -> str:
    """The row's method as the paper names it in the row's scenario ('HNET+ENT' for HNET where
    the task is inferred)."""
    return short_name(row["method"], row["scenario"])


def seeds_of(row: dict[str, Any], manifest: dict[str, Any] | None) -> list[int]:
    """The seeds of the runs behind the row (from its sweep manifest; else the experiment's)."""
    if manifest is not None:
        seeds = [r.get("seed") for r in manifest_runs(manifest, row)]
        seeds = [s for s in seeds if isinstance(s, int) and not isinstance(s, bool)]
        if seeds:
            return list(dict.fromkeys(seeds))
    exp = EXPERIMENTS.get(row["experiment"])
    return list(exp.seeds) if exp is not None else [0]


def manifest_runs(manifest: dict[str, Any], row: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifest's runs that make up the row (its method and scenario)."""
    return [r for r in manifest["runs"] if r.get("method") == row["method"]
            and (r.get("params") or {}).get("task.scenario", DEFAULT_SCENARIO)
            == row["scenario"]]


def read_row_manifest(folder: str | Path, row: dict[str, Any]) -> dict[str, Any] | None:
    """The sweep manifest the row names (a path inside the bundle `folder`), or None when the
    row names none. Raises SweepFileError for a path outside the folder or a bad manifest."""
    rel = row.get("sweep")
    if not rel:
        return None
    root = Path(folder).resolve()
    p = (root / str(rel)).resolve()
    if root not in p.parents:
        raise SweepFileError(f"the row's sweep {str(rel)[:80]!r} is outside the bundle")
    return read_manifest(p)


def row_config(row: dict[str, Any], manifest: dict[str, Any] | None, full: bool,
               seed: int) -> RunConfig | None:
    """The configuration of the row's run with `seed`: the manifest's base config of its
    benchmark and method (else the registry's), with the row's scenario and the seed (data and
    init, as the sweep sets it). None when neither knows the row."""
    cfg = None
    key = f"{row['benchmark']}|{row['method']}"
    base = (manifest or {}).get("base_configs", {}).get(key) if manifest else None
    if isinstance(base, dict):
        try:
            cfg = RunConfig.from_dict(base)
        except (ConfigError, TypeError, ValueError):
            cfg = None
    if cfg is None:
        exp = EXPERIMENTS.get(row["experiment"])
        if exp is None or row["method"] not in exp.methods:
            return None
        cfg = next(c for c in base_configs(exp, full) if c.train.method == row["method"])
    try:
        return cfg.replace(task={"scenario": row["scenario"], "seed": seed, "data_root": None},
                           train={"seed": seed})
    except (ConfigError, ValueError):
        return None
