"""HostOptions: the timing of a worker's training loop (slices, publishes, checkpoints).

Torch-free, so the server can build a pool's options without importing the engine.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HostOptions:
    slice_s: float = 0.05  # work per slice (pause latency is at most about one slice)
    publish_s: float = 0.1  # most frequent publish per run
    checkpoint_s: float = 20.0  # most frequent periodic checkpoint per playing run
    first_slice_steps: int = 10  # before a step cost has been measured
    max_slice_steps: int = 10_000
    ema: float = 0.3  # weight of the newest slice in the step-cost average

    def __post_init__(self) -> None:
        if not (self.slice_s > 0 and self.publish_s >= 0 and self.checkpoint_s > 0
                and self.first_slice_steps >= 1 and self.max_slice_steps >= 1
                and 0 < self.ema <= 1):
            raise ValueError(f"invalid HostOptions: {self}")
