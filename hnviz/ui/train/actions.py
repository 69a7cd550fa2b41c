"""What the Train page's buttons do: start runs, play, pause, step, compare side by side.

Training happens in the live pool's worker processes (hnviz.live); these callbacks only send it
commands, so they return at once (Step waits for its steps, ~0.1 s). Callbacks never raise: a
failure (data not available, a quota, an invalid setting) becomes a flash message that the page
shows on the rerun. No run is ever dropped: starting a new run leaves the previous one in the
user's run list.
"""

from __future__ import annotations

from hnviz.core.config import RunConfig
from hnviz.core.limits import app_limits
from hnviz.core.method_specs import METHODS, method_spec
from hnviz.core.presets import default_config
from hnviz.serve.workspace import RunHandle
from hnviz.ui import state
from hnviz.ui.labels import data_text, method_short, scenario_text, strength_text
from hnviz.ui.live import wait_first_steps
from hnviz.ui.page import reported
from hnviz.ui.text import MESSAGE_CHARS, md
from hnviz.ui.train.form import chosen_device

# Side by side: what the second run differs in. "off" = the same method with strength 0.
COMPARE_OFF = "off"


def run_label(cfg: RunConfig) -> str:
    """Default name of a new run: 'HNET β=0.005 · 1-D regression' ('HNET β=0.01 · CL3 · Split
    Digits' when the task is not given)."""
    m = method_short(cfg.train.method)
    s = strength_text(cfg)
    scn = scenario_text(cfg)  # '' in CL1
    return " · ".join(p for p in (f"{m} {s}" if s else m, scn, data_text(cfg)) if p)


def same_setup(a: RunConfig, b: RunConfig) -> bool:
    """Equal configs, ignoring the run name."""
    da, db = a.to_dict(), b.to_dict()
    da.pop("name"), db.pop("name")
    return da == db


def compare_choices(method: str) -> list[str]:
    """What a run of `method` can be compared with: its strength switched off (if it has one),
    then every other method."""
    out = [COMPARE_OFF] if method_spec(method).strength else []
    return out + [m for m in METHODS if m != method]


def compare_label(choice: str, method: str) -> str:
    if choice == COMPARE_OFF:
        s = method_spec(method).strength
        return f"{method_short(method)} with {s.symbol} = 0 (no protection)"
    return method_short(choice)


def variant(cfg: RunConfig, choice: str) -> RunConfig:
    """The second run of a comparison: same benchmark, data, seed, iterations and learning
    rate; either the strength at 0, or another method with its preset strengths."""
    if choice == COMPARE_OFF:
        return cfg.replace(train={method_spec(cfg.train.method).strength.field: 0.0})
    base = default_config(cfg.task.benchmark, choice, n_tasks=cfg.task.n_tasks)
    return base.replace(task={"seed": cfg.task.seed, "n_tasks": cfg.task.n_tasks},
                        target={"hidden": cfg.target.hidden},
                        train={"seed": cfg.train.seed, "lr": cfg.train.lr,
                               "iters_per_task": cfg.train.iters_per_task,
                               "eval_every": cfg.train.eval_every})


def has_progress(h: RunHandle | None) -> bool:
    """A run the user trained and has not finished: resetting it needs a confirm (it is kept
    anyway)."""
    if h is None or not h.own:
        return False
    v = h.view()
    return not v.done and v.global_step > 0


def _new(cfg: RunConfig, play: bool) -> RunHandle | None:
    """A new run of `cfg` on the chosen device (a device that is not there: a flash message)."""
    try:
        return state.workspace().new_run(cfg, run_label(cfg), play=play, limits=app_limits(),
                                         device=chosen_device())
    except Exception as exc:  # noqa: BLE001 - DataUnavailableError, ConfigError, quotas ...
        state.flash(f"Could not start the run: {md(reported(exc), MESSAGE_CHARS)}")
        return None


def _target(entry: RunHandle | None, cfg: RunConfig) -> RunHandle | None:
    """The run Play/Step should train: the active one if it is the user's, unfinished and of
    these settings (or untouched: then it is replaced by one with the settings)."""
    if entry is None or not entry.own or entry.view().done:
        return None
    v = entry.view()
    if same_setup(v.cfg, cfg):
        return entry
    if v.global_step == 0:
        state.workspace().remove(entry)
    return None


def _try(what: str, fn, *args) -> bool:
    try:
        fn(*args)
        return True
    except Exception as exc:  # noqa: BLE001 - quotas, a lost worker: say it, keep going
        state.flash(f"Could not {what}: {md(reported(exc), MESSAGE_CHARS)}")
        return False


def on_play(compare: str | None = None) -> None:
    """Play the active run, or start a new one with the settings (two in side-by-side mode)."""
    cfg = state.get_config()
    ws = state.workspace()
    if compare:
        pair = state.pair()
        want = (cfg, variant(cfg, compare))
        if pair and all(same_setup(h.view().cfg, c) for h, c in zip(pair, want)) \
                and not all(h.view().done for h in pair):
            for h in pair:
                if not h.view().done:
                    _try("play", ws.play, h)
            return
        a = _new(cfg, play=True)
        b = _new(variant(cfg, compare), play=True) if a is not None else None
        if a is not None and b is None:
            _try("pause", ws.pause, a)
        elif a is not None:
            wait_first_steps((a, b))
        if a is not None:
            state.set_active(a)
        state.set_pair(a, b)
        return
    entry = _target(state.active_run(), cfg)
    if entry is None:
        entry = _new(cfg, play=True)
        if entry is not None:
            state.set_active(entry)
            wait_first_steps((entry,))
        return
    _try("play", ws.play, entry)


def shown(compare: bool) -> list[RunHandle]:
    """The runs the Train page shows (and its buttons act on)."""
    if compare and state.pair():
        return list(state.pair())
    entry = state.active_run()
    return [entry] if entry is not None else []


def on_pause(compare: bool = False) -> None:
    ws = state.workspace()
    for h in shown(compare):
        if h.playing:
            _try("pause", ws.pause, h)


def on_step(compare: str | None = None) -> None:
    """One step = one evaluation interval of training (so the curves move)."""
    cfg = state.get_config()
    ws = state.workspace()
    if compare:
        if not state.pair():
            a, b = _new(cfg, play=False), _new(variant(cfg, compare), play=False)
            state.set_pair(a, b)
            if a is not None:
                state.set_active(a)
        targets = list(state.pair() or ())
    else:
        entry = _target(state.active_run(), cfg)
        if entry is None:
            entry = _new(cfg, play=False)
            if entry is None:
                return
            state.set_active(entry)
        targets = [entry]
    for h in targets:
        if not h.view().done:
            _try("step", ws.step, h, h.view().cfg.train.eval_every)


def on_new_run() -> None:
    """'New run' button: asks first if the active run has unfinished progress."""
    if has_progress(state.active_run()):
        state.put("confirm_new", True)
        on_pause()
    else:
        start_new()


def start_new() -> None:
    entry = _new(state.get_config(), play=False)
    if entry is not None:
        state.set_active(entry)
        state.set_pair(None)


def on_confirm_new(yes: bool) -> None:
    state.put("confirm_new", False)
    if yes:
        start_new()
