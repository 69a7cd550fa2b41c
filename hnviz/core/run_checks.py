"""A run file's contents checked whole, before anything is built or loaded from them.

`io.load_run` calls these in order; every problem is a `RunFileError` with a one-line reason:

    check_declared(skeleton, limits) -> RunConfig
                                               before torch.load reads a tensor: the config
                                               (limits, memory budget), then the lengths of
                                               the history's and meta's JSON and the bytes of
                                               the declared tensors against what that config
                                               implies (`run_archive` made the skeleton)
    check_run_dict(raw, limits) -> RunConfig   the config (admitted: `admission.admit`), then
                                               `check_contents(raw, cfg)`: the state's
                                               scalars, the history's structure; nothing
                                               built yet
    check_tensors(state, trainer)              every tensor of the state (method entries, grown
                                               buffers, the target's batch-norm statistics,
                                               optimizer moments) against the freshly
                                               built, not yet loaded, run: names, shapes, dtypes

What the config implies: task in [0, n_tasks]; step_in_task in [0, iters_per_task) (0 once
finished); error None or a string; R one row of n_tasks cells per finished task; buffers that
grow with tasks (HNET's snapshot, EWC's anchors and Fishers: `Method.grown_buffers`) at most
n_tasks rows of P; Adam's moments shaped like the parameters of the current task.
"""

from __future__ import annotations

import json
import math
from typing import Any

import torch

from .admission import admit
from .config import ConfigError, RunConfig
from .errors import RunFileError
from .evaluation import LOG_EVERY
from .limits import Limits
from .run_archive import tensor_bytes
from .scenarios import scenario
from .sizes import file_tensor_bytes, format_bytes, history_bytes, n_tasks
from .target_kinds import target_buffers

__all__ = ["RunFileError", "HISTORY_KEYS", "check_config", "check_contents", "check_declared",
           "check_history", "check_run_dict", "check_scalars", "check_tensors",
           "history_containers"]

HISTORY_KEYS = ("loss", "evals", "R0", "R", "emb_traj", "task_end_steps", "wall_s", "timing",
                "R_given", "R_task")
MAX_ERROR_CHARS = 10_000
MAX_CONFIG_CHARS = 64 * 1024  # a config's JSON is ~1 KB
MAX_META_CHARS = 2**20  # a name, a demo's description
HISTORY_SLACK_CHARS = 64 * 1024


def _fail(reason: str) -> None:
    raise RunFileError(" ".join(reason.split()))


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _cell(v: Any) -> bool:
    return v is None or _is_number(v)


def check_config(d: Any, limits: Limits) -> RunConfig:
    """The file's config, validated and admitted under `limits` (`admission.admit`; nothing
    built)."""
    try:
        return admit(RunConfig.from_dict(d), limits)
    except ConfigError as e:
        _fail(f"run file has an invalid config: {e}")
    raise AssertionError("unreachable")  # pragma: no cover


def check_declared(skel: dict[str, Any], limits: Limits) -> RunConfig:
    """A run file's skeleton (`run_archive.skeleton`: its dict with tensors not yet read),
    before anything is inflated: the config against `limits`; the history's JSON no longer
    and no more nested than the config's run can make it (`sizes.history_bytes`, containers
    counted), so parsing it is bounded; meta bounded; the declared tensors' bytes at most what
    a run of that config holds (`sizes.file_tensor_bytes`). Returns the config."""
    text = skel["config"]
    if not isinstance(text, str) or len(text) > MAX_CONFIG_CHARS:
        _fail(f"run file config must be JSON text of at most {MAX_CONFIG_CHARS} characters")
    try:
        cfg = check_config(json.loads(text), limits)
    except json.JSONDecodeError as e:
        _fail(f"run file metadata is not valid JSON: {e}")
    hist = skel["history"]
    if not isinstance(hist, str):
        _fail("run file history is not JSON text")
    most = history_bytes(cfg) + HISTORY_SLACK_CHARS
    if len(hist) > most:
        _fail(f"run file history is {len(hist)} characters long, more than the {most} a run of "
              "its config writes")
    nested = hist.count("[") + hist.count("{")
    if nested > history_containers(cfg):
        _fail(f"run file history holds {nested} lists and objects, more than a run of its "
              f"config writes ({history_containers(cfg)})")
    meta = skel.get("meta")
    if meta is not None and (not isinstance(meta, str) or len(meta) > MAX_META_CHARS):
        _fail(f"run file meta must be JSON text of at most {MAX_META_CHARS} characters")
    have, most = tensor_bytes(skel), file_tensor_bytes(cfg)
    if have > most:
        _fail(f"run file tensors take {format_bytes(have)}, more than the "
              f"{format_bytes(most)} a run of its config holds")
    return cfg


def history_containers(cfg: RunConfig) -> int:
    """The most lists and objects a history of `cfg` holds: the top object, loss rows,
    evaluations and embedding records (two each), rows of R, R_given, R_task, and a few
    more."""
    T, tr = n_tasks(cfg), cfg.train
    steps = T * tr.iters_per_task
    loss = steps // LOG_EVERY + T + 1
    evals = steps // tr.eval_every + T + 1
    return 32 + loss + 4 * evals + 3 * (T + 1)


def check_run_dict(raw: dict[str, Any], limits: Limits) -> RunConfig:
    """Config, state scalars and history structure of a raw run dict (`io.read_run_dict`)."""
    cfg = check_config(raw["config"], limits)
    check_contents(raw, cfg)
    return cfg


def check_contents(raw: dict[str, Any], cfg: RunConfig) -> None:
    """State scalars and history structure of a raw run dict whose config `cfg` is admitted."""
    state = raw["state"]
    if not isinstance(state, dict):
        _fail("run file state is not a dictionary")
    task = check_scalars(state, cfg)
    check_history(raw["history"], cfg, task, state["step_in_task"])


def check_scalars(state: dict[str, Any], cfg: RunConfig) -> int:
    """task, step_in_task and error of the state; returns task."""
    T, iters = n_tasks(cfg), cfg.train.iters_per_task
    for key in ("method", "task", "step_in_task"):
        if key not in state:
            _fail(f"run file state has no {key!r} entry")
    task, step = state["task"], state["step_in_task"]
    if not _is_int(task) or not 0 <= task <= T:
        _fail(f"run file state task={task!r} is not in [0, {T}] (its config has {T} tasks)")
    if not _is_int(step) or not 0 <= step < iters or (task == T and step != 0):
        _fail(f"run file state step_in_task={step!r} is not in [0, {iters}) "
              f"(iters_per_task={iters}{'; 0 once finished' if task == T else ''})")
    error = state.get("error")
    if error is not None and (not isinstance(error, str) or len(error) > MAX_ERROR_CHARS):
        _fail(f"run file state error must be text of at most {MAX_ERROR_CHARS} characters")
    if not isinstance(state["method"], dict):
        _fail("run file state method is not a dictionary of tensors")
    opt = state.get("opt")
    if opt is not None and not isinstance(opt, dict):
        _fail("run file optimizer state is not a dictionary")
    return task


def _check_list(h: dict[str, Any], key: str, most: int) -> list:
    value = h.get(key, [])
    if not isinstance(value, list):
        _fail(f"run file history[{key!r}] is not a list")
    if len(value) > most:
        _fail(f"run file history[{key!r}] has {len(value)} entries, more than the {most} its "
              "config and progress allow")
    return value


def _check_row(row: Any, n: int, what: str, exact: bool = True) -> None:
    if (not isinstance(row, list) or (len(row) != n if exact else len(row) > n)
            or not all(_cell(v) for v in row)):
        _fail(f"run file {what} must be a list of {'' if exact else 'at most '}{n} numbers "
              "(or nulls)")


def check_history(h: Any, cfg: RunConfig, task: int, step_in_task: int) -> None:
    """The history's structure: known keys, lists of the right shapes and lengths."""
    T, tr = n_tasks(cfg), cfg.train
    if not isinstance(h, dict) or "R" not in h:
        _fail("run file history is malformed (not a dictionary with an 'R' entry)")
    unknown = sorted(set(h) - set(HISTORY_KEYS))
    if unknown:
        _fail(f"run file history has unknown entries {unknown[:5]}")
    R = _check_list(h, "R", T)
    if len(R) != task:
        _fail(f"run file history has {len(R)} rows of R but its state says {task} tasks are done")
    for i, row in enumerate(R):
        _check_row(row, T, f"history R[{i}]")
    given = scenario(cfg.task.scenario).task_given
    for key in ("R_given", "R_task"):  # CL2/CL3: beside R, one row per finished task
        if key in h and given:
            _fail(f"run file history has {key!r}, which only CL2/CL3 runs have")
        rows = _check_list(h, key, T)
        if not given and len(rows) != task:
            _fail(f"run file history has {len(rows)} rows of {key} but {task} of R")
        for i, row in enumerate(rows):
            _check_row(row, T, f"history {key}[{i}]")
    if "R0" in h:
        _check_row(h["R0"], T, "history R0")
    ends = _check_list(h, "task_end_steps", T)
    if ("task_end_steps" in h and len(ends) != len(R)) or not all(_is_int(v) for v in ends):
        _fail("run file history['task_end_steps'] must hold one step number per row of R")
    steps = task * tr.iters_per_task + step_in_task
    for row in _check_list(h, "loss", steps // LOG_EVERY + task + 1):
        if (not isinstance(row, list) or len(row) != 3 or not _is_int(row[0])
                or not all(_is_number(v) for v in row[1:])):
            _fail("run file history['loss'] rows must be [step, loss, reg]")
    most_evals = steps // tr.eval_every + task + 1
    for rec in _check_list(h, "evals", most_evals):
        if (not isinstance(rec, dict) or not _is_int(rec.get("step"))
                or not _is_int(rec.get("task")) or not 0 <= rec["task"] < T):
            _fail("run file history['evals'] entries must be {step, task, values}")
        _check_row(rec.get("values"), T, "history evals values", exact=False)
    for rec in _check_list(h, "emb_traj", most_evals):
        if (not isinstance(rec, dict) or not _is_int(rec.get("step"))
                or not _is_int(rec.get("task")) or not 0 <= rec["task"] < T):
            _fail("run file history['emb_traj'] entries must be {step, task, emb}")
        _check_row(rec.get("emb"), cfg.hnet.emb_dim, "history emb_traj emb")
    wall = h.get("wall_s", 0.0)
    if not _seconds(wall):
        _fail("run file history['wall_s'] must be a number of seconds >= 0")
    _check_timing(h.get("timing", {}), T)


def _seconds(v: Any) -> bool:
    return _is_number(v) and math.isfinite(v) and v >= 0


def _check_timing(timing: Any, T: int) -> None:
    """{"train_s", "eval_s", "task_train_s": [seconds or null per task]} (files written before
    it existed have none)."""
    if not isinstance(timing, dict) or not set(timing) <= {"train_s", "eval_s", "task_train_s"}:
        _fail("run file history['timing'] must be {train_s, eval_s, task_train_s}")
    if not all(_seconds(timing.get(k, 0.0)) for k in ("train_s", "eval_s")):
        _fail("run file history['timing'] train_s and eval_s must be seconds >= 0")
    per_task = timing.get("task_train_s", [])
    if (not isinstance(per_task, list) or len(per_task) > T
            or not all(v is None or _seconds(v) for v in per_task)):
        _fail(f"run file history['timing']['task_train_s'] must be at most {T} seconds (or "
              "nulls)")


def _shape(t: Any) -> str:
    return str(list(t.shape)) if isinstance(t, torch.Tensor) else type(t).__name__


def check_tensors(state: dict[str, Any], trainer) -> None:
    """Every tensor of the state against the built, not yet loaded, `trainer`: the method's
    entries (names, dtypes, shapes; grown buffers: [≤ n_tasks, P]) and the optimizer state."""
    method = trainer.method
    want = method.state_dict()
    got = state["method"]
    _same_names(want, got, "weights")
    for name, ref in want.items():
        t = got[name]
        if not isinstance(t, torch.Tensor) or t.dtype != ref.dtype or t.layout != torch.strided:
            _fail(f"run file tensor {name!r} is {_shape(t)} of {getattr(t, 'dtype', '?')}, "
                  f"expected a dense tensor of {ref.dtype}")
        if name in method.grown_buffers:
            ok = (t.dim() == 2 and t.shape[0] <= trainer.n_tasks
                  and t.shape[1:] == ref.shape[1:])
            expected = f"[at most {trainer.n_tasks}, {ref.shape[1]}]"
        else:
            ok, expected = t.shape == ref.shape, str(list(ref.shape))
        if not ok:
            _fail(f"run file tensor {name!r} has shape {_shape(t)}, expected {expected}")
    _check_target_buffers(state.get("target", {}), trainer)
    opt = state.get("opt")
    if opt is not None and not trainer.finished:
        _check_optimizer(opt, method.trainable(state["task"]), trainer.cfg.train.lr)


def _same_names(want: dict, got: dict, what: str) -> None:
    """The file's tensors named exactly as the built run's (first three differences shown)."""
    missing, unknown = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    if missing or unknown:
        _fail(f"run file {what} do not match its config: missing {missing[:3]}, "
              f"unexpected {unknown[:3]}")


def _check_target_buffers(got: Any, trainer) -> None:
    """The target's per-task batch-norm statistics: exactly the built target's buffers (names,
    dtypes, shapes [n_tasks, C] / [n_tasks]); none for MLPs (files written before conv targets
    have no "target" entry)."""
    want = target_buffers(trainer.target)
    if not isinstance(got, dict):
        _fail("run file state target is not a dictionary of tensors")
    _same_names(want, got, "target statistics")
    for name, ref in want.items():
        t = got[name]
        if (not isinstance(t, torch.Tensor) or t.dtype != ref.dtype
                or t.layout != torch.strided or t.shape != ref.shape):
            _fail(f"run file target tensor {name!r} is {_shape(t)} of "
                  f"{getattr(t, 'dtype', '?')}, expected {list(ref.shape)} of {ref.dtype}")


def _check_optimizer(opt: dict[str, Any], params: list[torch.Tensor], lr: float) -> None:
    groups, per_param = opt.get("param_groups"), opt.get("state")
    if not isinstance(groups, list) or len(groups) != 1 or not isinstance(groups[0], dict):
        _fail("run file optimizer state must have one parameter group")
    g = groups[0]
    if g.get("params") != list(range(len(params))):
        _fail(f"run file optimizer state covers {g.get('params')!r}, expected "
              f"{len(params)} parameters")
    if g.get("lr") != lr or g.get("amsgrad", False) or g.get("maximize", False):
        _fail("run file optimizer settings differ from its config (lr, amsgrad, maximize)")
    if not isinstance(per_param, dict) or not set(per_param) <= set(range(len(params))):
        _fail("run file optimizer state has entries for unknown parameters")
    for i, s in per_param.items():
        if not isinstance(s, dict) or set(s) != {"step", "exp_avg", "exp_avg_sq"}:
            _fail(f"run file optimizer state of parameter {i} must be step, exp_avg, exp_avg_sq")
        step = s["step"]
        if not (isinstance(step, torch.Tensor) and step.numel() == 1) and not _is_number(step):
            _fail(f"run file optimizer step of parameter {i} must be one number")
        for k in ("exp_avg", "exp_avg_sq"):
            t = s[k]
            if (not isinstance(t, torch.Tensor) or t.shape != params[i].shape
                    or t.dtype != params[i].dtype):
                _fail(f"run file optimizer {k} of parameter {i} has shape {_shape(t)}, "
                      f"expected {list(params[i].shape)}")
