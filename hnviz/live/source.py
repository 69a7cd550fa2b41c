"""What a hosted run starts from: the server sends one with `pool.add`, and the worker builds the
run's only Trainer from it (the web process never builds one for a hosted run).

    FromConfig(config, meta)  a new run of a config the server has admitted
                              (`hnviz.core.admission.admit`; `RunConfig.to_dict()`): the worker
                              builds it without checking the limits again, and its first update
                              carries the run's first checkpoint (the file the server autosaves)
    FromFile(path)            a run file on the server's disk (a user's run trained on): the
                              worker reads it, checked as every run file is before anything in it
                              is inflated (`hnviz.core.io.load_run`)
    bytes                     a run file's bytes (the latest checkpoint a mirror holds: a run
                              re-hosted after its worker stopped)

Plain picklable values (no torch): the server imports this without the engine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FromConfig:
    config: dict[str, Any]  # RunConfig.to_dict(), admitted by the server
    meta: dict[str, Any] = field(default_factory=dict)  # the run file's meta (its name, ...)


@dataclass(frozen=True)
class FromFile:
    path: str  # a run file the worker can read

    def size(self) -> int:
        """Its bytes now (0 if it cannot be read: the worker's load then says why)."""
        try:
            return os.path.getsize(self.path)
        except OSError:
            return 0


Source = FromConfig | FromFile | bytes

