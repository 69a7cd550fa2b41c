"""Turning run files (uploads, saved files) into session runs. Every failure comes back as a
one-line message and leaves the session (and its active run) untouched."""

from __future__ import annotations

from pathlib import Path

from hnviz.core.io import RunFileError, display_name, load_run
from hnviz.ui import state
from hnviz.ui.page import one_line


def import_run(src: bytes | str | Path, fallback_name: str, source: str,
               activate: bool = True) -> tuple[state.RunEntry | None, str | None]:
    """Load a run file into the session. Returns (entry, None) or (None, error message)."""
    try:
        trainer, meta = load_run(src)
    except RunFileError as e:
        return None, f"Could not load {fallback_name}: {e}"
    except Exception as e:  # e.g. its benchmark's data is not on this machine
        return None, f"Could not load {fallback_name}: {one_line(e)}"
    name = state.unique_name(display_name(meta, trainer.cfg.name, Path(fallback_name).stem)[:100])
    entry = state.RunEntry(name, trainer, source=source,
                           saved_path=str(src) if isinstance(src, (str, Path)) else None)
    return state.add_run(entry, activate=activate), None


def handle_upload(file_name: str, data: bytes) -> tuple[state.RunEntry | None, str | None]:
    """What the Checkpoints page does with an uploaded file."""
    if not data:
        return None, f"Could not load {file_name}: the file is empty"
    return import_run(data, file_name, source="upload")
