"""What the Train page's buttons do: start a run, play, pause, step, confirm a reset.

Callbacks never raise: a failure (data not available, invalid setting) is stored as a flash
message that the page shows as st.error on the rerun. No run is ever dropped: starting a new run
leaves the previous one in the session's run list.
"""

from __future__ import annotations

from hnviz.core.config import RunConfig
from hnviz.core.trainer import Trainer
from hnviz.ui import state
from hnviz.ui.labels import method_short, strength_text
from hnviz.ui.live import advance
from hnviz.ui.page import one_line


def run_label(cfg: RunConfig) -> str:
    """Default name of a new run: 'HNET β=0.005 · regression1d', 'fine-tuning · split-digits'."""
    m = " ".join(filter(None, (method_short(cfg.train.method), strength_text(cfg))))
    return f"{m} · {cfg.task.benchmark}"


def same_setup(a: RunConfig, b: RunConfig) -> bool:
    """Equal configs, ignoring the run name."""
    da, db = a.to_dict(), b.to_dict()
    da.pop("name"), db.pop("name")
    return da == db


def flash(msg: str | None) -> None:
    state.put("flash", msg)


def take_flash() -> str | None:
    msg = state.get("flash")
    state.put("flash", None)
    return msg


def has_progress(entry: state.RunEntry | None) -> bool:
    """A run the user trained in this session and has not finished: resetting it needs a
    confirm (it is kept anyway)."""
    return (entry is not None and entry.source == "trained" and not entry.trainer.done
            and entry.trainer.global_step > 0)


def new_run(cfg: RunConfig | None = None, replace: state.RunEntry | None = None,
            ) -> state.RunEntry | None:
    """Build a fresh run from `cfg` (default: the Train page's settings) and make it active.
    `replace` (an untouched run) is swapped out instead of kept. None on failure (flashed)."""
    cfg = cfg or state.get_config()
    try:
        trainer = Trainer(cfg)
    except Exception as exc:  # DataUnavailableError, ConfigError, ...
        flash(f"Could not start the run: {one_line(exc)}")
        return None
    if replace is not None:
        state.remove_run(replace.name)
        name = replace.name
    else:
        name = state.unique_name(run_label(cfg))
    state.set_playing(None)
    return state.add_run(state.RunEntry(name, trainer, source="trained"))


def _fresh_target(entry: state.RunEntry | None) -> state.RunEntry | None:
    """The run Play should train: the active one if it can go on with the current settings,
    else a new run from the settings (an untouched run with other settings is replaced)."""
    cfg = state.get_config()
    if entry is None or entry.trainer.done or entry.source != "trained":
        return new_run(cfg)
    if entry.trainer.global_step == 0 and not same_setup(entry.trainer.cfg, cfg):
        return new_run(cfg, replace=entry)
    return entry


def on_play() -> None:
    entry = _fresh_target(state.active_run())
    if entry is not None:
        state.set_playing(entry)


def on_pause() -> None:
    state.set_playing(None)


def on_step() -> None:
    """One step = one evaluation interval of training (so the curves move)."""
    entry = _fresh_target(state.active_run())
    if entry is None:
        return
    state.set_playing(None)
    if advance(entry, entry.trainer.cfg.train.eval_every, blocking=True) is None:
        flash("The run is busy; try Step again.")


def on_new_run() -> None:
    """'New run' button: asks first if the active run has unfinished progress."""
    if has_progress(state.active_run()):
        state.put("confirm_new", True)
        state.set_playing(None)
    else:
        new_run()


def on_confirm_new(yes: bool) -> None:
    state.put("confirm_new", False)
    if yes:
        new_run()
