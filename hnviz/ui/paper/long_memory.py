"""The Long memory view: 100 tasks learned one after another, every task's accuracy after task t
for HNET and the baselines (a Plotly slider / animation over t, in the browser), each method's
mean final accuracy with HNET's compression ratio, and final accuracy against compression ratio
with the line at 1 (the paper's abstract: "long memory lifetimes are achieved in a compressive
regime").

Data: the reproduction bundle (`python -m hnviz reproduce --experiment permuted-digits-100
--bundle assets/paper`): the experiment's sweep manifests, whose runs carry their accuracy
matrices (`hnviz.analysis.long_memory`); the ratio sweep where the bundle has one, in the
experiment's folder as `ratio/sweep.json` (HNET at hypernetwork sizes below and above ratio 1,
the same tasks and budget: `scripts/make_sweeps.py --only long-compression`), drawn against the
bundled baselines. Nothing is trained here.

    render(...)      the whole view (the Paper page's section, `paper_section`)
    tasks_fig(...)   the per-task figure alone (the lecture's compression step,
                     hnviz.ui.lecture.compression `FIGURES`)
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import streamlit as st

from hnviz.analysis.compression import CompressionSweep, load_compression
from hnviz.analysis.long_memory import MethodMemory, long_memory, merge_manifests, ratio_view
from hnviz.analysis.sweeps import SweepFileError, read_manifest
from hnviz.paths import asset
from hnviz.reproduce.run import bundled_rows
from hnviz.ui.explorer import compression_figures as cfigs
from hnviz.ui.labels import method_short
from hnviz.ui.paper import long_memory_figures as lmfigs

PAPER_ENV = "HNVIZ_PAPER_DIR"  # as the Paper page: a bundle other than assets/paper
BUNDLED = asset("paper")
EXPERIMENTS = ("permuted-digits-100", "permuted-mnist-100")  # the long-sequence experiments
DEFAULT_EXPERIMENT = EXPERIMENTS[0]
RATIO_SWEEP = Path("ratio", "sweep.json")  # under the bundle's experiment folder
MAKE_COMMAND = ("python -m hnviz reproduce --experiment permuted-digits-100 "
                "--bundle assets/paper")
_CHART = dict(width="stretch", theme=None, config={"displaylogo": False})


def bundle_dir() -> Path:
    """The reproduction bundle the view reads: $HNVIZ_PAPER_DIR, else assets/paper/."""
    return Path(os.environ.get(PAPER_ENV) or BUNDLED)


def _stamp(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@st.cache_data(show_spinner=False, max_entries=8)
def _memories(paths: tuple[str, ...], experiment: str, stamp: float
              ) -> dict[str, MethodMemory]:
    """The memories of the experiment's bundled manifests `paths` (one per reproduce command
    that bundled some of its methods), each method's runs from the manifest its row in the
    bundle's table names (re-read when a file changes)."""
    folder = Path(paths[0]).parent.parent
    owner = {r["method"]: Path(r["sweep"]).name for r in bundled_rows(folder, full=False)
             if r.get("experiment") == experiment and r.get("sweep") and r.get("method")}
    docs = [(Path(p).name, read_manifest(p)) for p in paths]
    return long_memory(merge_manifests(docs, owner))


@st.cache_data(show_spinner=False, max_entries=8)
def _ratio_sweep(hnet: str, stamp: float) -> CompressionSweep:
    """One curve over every size the sweep trained (no field splits it into several)."""
    return load_compression(hnet, None, curve_field="")


def memories(experiment: str = DEFAULT_EXPERIMENT, folder: Path | None = None
             ) -> dict[str, MethodMemory]:
    """{method: MethodMemory} of a bundled long-sequence experiment; SweepFileError (one line)
    when it is not bundled or unreadable."""
    where = (folder or bundle_dir()) / experiment
    paths = sorted(where.glob("sweep*.json"))  # sweep.json, sweep_methods-….json (narrowed)
    if not paths:
        raise SweepFileError(f"{experiment} is not in the bundle ({where.name}/ has no "
                             "sweep manifest)")
    stamp = sum(_stamp(p) for p in paths) + _stamp(where.parent / "table.json")
    return _memories(tuple(map(str, paths)), experiment, stamp)


def ratio_sweep(experiment: str = DEFAULT_EXPERIMENT, folder: Path | None = None
                ) -> CompressionSweep:
    """HNET at several compression ratios on the experiment's tasks and budget (the bundle's
    `<experiment>/ratio/sweep.json`); SweepFileError when the bundle has none."""
    hnet = (folder or bundle_dir()) / experiment / RATIO_SWEEP
    if not hnet.exists():
        raise SweepFileError(f"no ratio sweep is bundled for {experiment}")
    return _ratio_sweep(str(hnet), _stamp(hnet))


def summary_text(mem: dict[str, MethodMemory]) -> str:
    """'HNET 92.1% (ratio 0.87, forgetting 1.2 points) · fine-tuning 18.0% · …' over T tasks,
    with the number of seeds once when every method has as many, else per method."""
    counts = {len(m.seeds) for m in mem.values()}
    parts = []
    for name, m in mem.items():
        text = f"**{method_short(name)}** {m.mean_final:.1%}"
        extra = [_seeds(len(m.seeds))] if len(counts) > 1 else []
        if m.compression is not None:
            extra.append(f"ratio {m.compression:.2f}")
        extra.append(f"forgetting {100 * m.forgetting:.1f} points")
        parts.append(text + f" ({', '.join(extra)})")
    T = max(m.n_tasks for m in mem.values())
    head = f" ({_seeds(counts.pop())})" if len(counts) == 1 else ""
    return f"Mean final accuracy over all {T} tasks{head}: " + " · ".join(parts)


def _seeds(n: int) -> str:
    return f"{n} seed{'s' * (n > 1)}"


def paper_section(folder: Path, experiment: str) -> None:
    """The Paper page's Long memory section for a long-sequence experiment (nothing for the
    others)."""
    if experiment not in EXPERIMENTS:
        return
    st.markdown("### Long memory")
    render(experiment, folder, key=f"paper.long_memory.{experiment}")
    st.markdown("### The reproduction table")


def missing_note(err: SweepFileError) -> str:
    """What a view says when the long-memory runs are not bundled: why, and the command."""
    return f"The long-memory runs are not bundled here ({err}). Make them with `{MAKE_COMMAND}`."


def tasks_fig(experiment: str = DEFAULT_EXPERIMENT, folder: Path | None = None,
              height: int = 440):
    """The per-task figure (every task's accuracy after task t, slider and play button) of a
    bundled experiment, for the lecture's compression step; SweepFileError when not bundled."""
    mem = memories(experiment, folder)
    T = max(m.n_tasks for m in mem.values())
    ratio = next((m.compression for m in mem.values() if m.compression is not None), None)
    title = f"{T} tasks" + (f", HNET at compression ratio {ratio:.2f}" if ratio else "")
    return lmfigs.memory_fig(mem, title=title, height=height)


def render(experiment: str = DEFAULT_EXPERIMENT, folder: Path | None = None,
           height: int = 440, key: str = "long_memory") -> None:
    """Draw the Long memory view of a bundled experiment: its explanation, the animated
    per-task figure, each method's mean final accuracy (bars, HNET's compression ratio), and
    final accuracy against compression ratio where a ratio sweep is bundled. A missing bundle
    is a message with the command that makes it."""
    try:
        mem = memories(experiment, folder)
    except SweepFileError as e:
        st.info(missing_note(e))
        return
    try:
        sweep: CompressionSweep | None = ratio_sweep(experiment, folder)
    except SweepFileError:
        sweep = None
    T = max(m.n_tasks for m in mem.values())
    fig = lmfigs.memory_fig(mem, title=f"{T} tasks", height=height)
    st.markdown(
        "The paper's abstract: task-conditioned hypernetworks \"display a very large capacity to "
        "retain previous memories ... in a compressive regime, when the number of trainable "
        "hypernetwork weights is comparable or smaller than target network size\". Here "
        f"{T} tasks are learned one after another; each point is one task's test accuracy. "
        "Drag the slider (or press play) to watch the early tasks survive or fade as more "
        "tasks are learned; the dotted lines are each task's accuracy right after it was "
        "trained.")
    st.plotly_chart(fig, key=f"{key}.tasks", **_CHART)
    st.markdown(summary_text(mem))
    left, right = st.columns(2, gap="medium")
    with left:
        st.plotly_chart(lmfigs.mean_final_fig(mem), key=f"{key}.bars", **_CHART)
    with right:
        curves, refs = ratio_view(mem)
        if sweep is not None:  # HNET over its sizes (one curve), the bundled baselines as lines
            hnet = [dataclasses.replace(c, label=f"{method_short(c.label)} ({T} tasks)")
                    for c in sweep.curves]
            st.plotly_chart(cfigs.compression_fig(
                hnet, refs, height=300 + 120,
                title=f"{T} tasks: accuracy against compression<br><sup>HNET at "
                      f"{len(hnet[0].ratio) if hnet else 0} sizes, {sweep.iters_per_task} "
                      f"steps per task, seed{'s' * (len(sweep.seeds) > 1)} "
                      f"{', '.join(map(str, sweep.seeds))}</sup>"),
                key=f"{key}.ratio", **_CHART)
        else:  # the bundled runs alone: HNET's point at its ratio, the baselines as lines
            curves = [dataclasses.replace(c, label=method_short(c.label.split(" ")[0]) + " "
                                          + c.label.split(" ", 1)[1]) for c in curves]
            st.plotly_chart(cfigs.compression_fig(
                curves, refs, height=300 + 120,
                title=f"{T} tasks: accuracy against compression ratio"),
                key=f"{key}.ratio", **_CHART)
