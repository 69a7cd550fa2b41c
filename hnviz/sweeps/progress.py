"""What a sweep shows on the terminal: an overall bar over every run of the grid (done / failed /
running, and where: the cluster's address) and, on a terminal, one bar per running run with its
training steps. Failures and retries are printed as lines above the bars."""

from __future__ import annotations

import sys

from tqdm import tqdm


class Display:
    def __init__(self, total: int, done: int, desc: str, enabled: bool = True,
                 per_run: bool | None = None):
        self.enabled = enabled
        self.per_run = enabled and (sys.stderr.isatty() if per_run is None else per_run)
        self.bar = tqdm(total=total, initial=done, disable=not enabled, file=sys.stderr,
                        unit="run", desc=desc, dynamic_ncols=True)
        self.runs: dict[int, tqdm] = {}
        self.slots: dict[int, int] = {}  # run id -> line below the overall bar
        self.where = ""

    def counts(self, counts: dict[str, int], where: str | None = None) -> None:
        if where is not None:
            self.where = where
        text = (f"ok {counts.get('ok', 0)} · failed {counts.get('failed', 0)} · "
                f"running {counts.get('running', 0)}")
        self.bar.set_postfix_str(text + (f" · {self.where}" if self.where else ""),
                                 refresh=True)

    def started(self, run_id: int, label: str) -> None:
        if not self.per_run or run_id in self.runs:
            return
        slot = min(set(range(len(self.slots) + 1)) - set(self.slots.values()))
        self.slots[run_id] = slot
        self.runs[run_id] = tqdm(total=0, desc=label, position=slot + 1, leave=False,
                                 file=sys.stderr, unit="it", dynamic_ncols=True)

    def step(self, run_id: int, step: int, total: int) -> None:
        bar = self.runs.get(run_id)
        if bar is not None:
            bar.total = total
            bar.update(step - bar.n)

    def finished(self, run_id: int, counted: bool = True) -> None:
        bar = self.runs.pop(run_id, None)
        self.slots.pop(run_id, None)
        if bar is not None:
            bar.close()
        if counted:
            self.bar.update(1)

    def note(self, text: str) -> None:
        if self.enabled:
            self.bar.write(text, file=sys.stderr)

    def close(self) -> None:
        for bar in self.runs.values():
            bar.close()
        self.runs.clear()
        self.slots.clear()
        self.bar.close()
