"""The user's saved runs on disk: a folder of run files ($HNVIZ_RUNS_DIR, default ./runs).

No Streamlit here: list, save, delete and describe run files, so the Checkpoints page stays a
thin layout and these can be tested directly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hnviz.core.io import RunFileError, display_name, read_run_dict, save_run, slugify
from hnviz.core.trainer import Trainer


def runs_dir() -> Path:
    return Path(os.environ.get("HNVIZ_RUNS_DIR") or "runs")


def save(trainer: Trainer, name: str, folder: Path | None = None) -> Path:
    """Save under <runs dir>/<slug>.pt (overwrites a file of the same name, atomically)."""
    folder = folder or runs_dir()
    return save_run(trainer, folder / f"{slugify(name)}.pt", meta={"name": name})


@dataclass(frozen=True)
class SavedRun:
    path: Path
    name: str
    benchmark: str
    method: str
    tasks_done: int
    n_tasks: int | None
    error: str | None  # a run file that cannot be read lists its reason here


def describe(path: Path) -> SavedRun:
    """Read a run file's metadata (no model is built)."""
    try:
        raw = read_run_dict(path)
    except RunFileError as e:
        return SavedRun(path, path.stem, "?", "?", 0, None, str(e))
    cfg, meta, hist = raw["config"], raw.get("meta") or {}, raw["history"]
    name = display_name(meta, cfg.get("name", ""), path.stem)
    task, train = cfg.get("task", {}), cfg.get("train", {})
    return SavedRun(path, name, str(task.get("benchmark", "?")), str(train.get("method", "?")),
                    len(hist.get("R", [])) if isinstance(hist, dict) else 0,
                    task.get("n_tasks"), None)


def list_saved(folder: Path | None = None) -> list[SavedRun]:
    """Every *.pt in the runs folder, newest first."""
    folder = folder or runs_dir()
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.pt"), key=lambda p: p.stat().st_mtime, reverse=True)
    return [describe(p) for p in files]


def delete(path: Path, folder: Path | None = None) -> None:
    """Delete a saved run; refuses paths outside the runs folder."""
    folder = (folder or runs_dir()).resolve()
    path = Path(path).resolve()
    if path.parent != folder or path.suffix != ".pt":
        raise ValueError(f"refusing to delete {path}: not a run file in {folder}")
    path.unlink(missing_ok=True)
