"""Task-embedding trajectories recorded during training.

The trainer appends {"step", "task", "emb": [D]} to history["emb_traj"] at every evaluation of an
HNET run (only the task being trained moves; earlier embeddings are frozen).
"""

from __future__ import annotations

import numpy as np


def embedding_trajectories(history: dict) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """{task: (steps [n] int64, embeddings [n, D] float32)} in step order; {} when not recorded.
    (The trainer records float32 values, so they read back exactly.)"""
    out: dict[int, tuple[list[int], list[list[float]]]] = {}
    for rec in history.get("emb_traj", []) or []:
        steps, embs = out.setdefault(int(rec["task"]), ([], []))
        steps.append(int(rec["step"]))
        embs.append(list(rec["emb"]))
    return {t: (np.asarray(s, dtype=np.int64), np.asarray(e, dtype=np.float32))
            for t, (s, e) in sorted(out.items())}


def stacked(trajs: dict[int, tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """All trajectory points as (task [M] int64, embeddings [M, D]) for a joint projection fit."""
    if not trajs:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    tasks = np.concatenate([np.full(len(s), t, dtype=np.int64) for t, (s, _) in trajs.items()])
    return tasks, np.concatenate([e for _, e in trajs.values()])
