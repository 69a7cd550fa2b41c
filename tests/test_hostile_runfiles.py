"""Crafted, broken and foreign run files: each is refused with a one-line RunFileError that says
what is wrong, and nothing is built (no data, no network) when the config or the state's scalars
or the history are wrong. A malicious pickle is refused, never executed."""

from __future__ import annotations

import io
import json
import os
import pickle
import zipfile

import pytest
import torch

from hnviz.core.io import RunFileError, load_run, read_run_dict, run_to_bytes
from hnviz.core.limits import app_limits
from hnviz.core.presets import default_config
from hnviz.core.trainer import Trainer

PWNED = "/tmp/hnviz_pwned_hostile"


@pytest.fixture(scope="module")
def good() -> bytes:
    """A half-trained HNET run on the toy (3 tasks, 20 iterations each): task 1, step 3."""
    t = Trainer(default_config("regression1d", "hnet").replace(
        train={"iters_per_task": 20, "eval_every": 10}))
    t.advance(23)
    return run_to_bytes(t)


@pytest.fixture
def no_builders(monkeypatch):
    """Make any data or network construction fail the test."""
    import hnviz.core.hnets as hnets
    import hnviz.core.trainer as trainer_mod

    def never(*a, **k):
        raise AssertionError("a model or data set was built")

    monkeypatch.setattr(trainer_mod, "build_tasks", never)
    monkeypatch.setattr(trainer_mod, "build_target", never)
    monkeypatch.setattr(hnets.HyperNetwork, "__init__", never)


def _load(b: bytes) -> dict:
    return torch.load(io.BytesIO(b), weights_only=True)


def _save(d: dict) -> bytes:
    buf = io.BytesIO()
    torch.save(d, buf)
    return buf.getvalue()


def _edit(good: bytes, state=None, config=None, history=None, meta=None) -> bytes:
    d = _load(good)
    if state:
        d["state"].update(state)
    if config:
        cfg = json.loads(d["config"])
        for section, values in config.items():
            cfg[section].update(values)
        d["config"] = json.dumps(cfg)
    if history is not None:
        h = json.loads(d["history"])
        h.update(history) if isinstance(history, dict) else None
        d["history"] = json.dumps(history if not isinstance(history, dict) else h)
    if meta is not None:
        d["meta"] = json.dumps(meta)
    return _save(d)


def _refused(data, match: str) -> str:
    with pytest.raises(RunFileError, match=match) as e:
        load_run(data)
    text = str(e.value)
    assert "\n" not in text and len(text) < 400, text
    return text


# ----------------------------------------------------------------- refused before building
@pytest.mark.parametrize("edit, match", [
    (dict(state={"step_in_task": 10**12}), r"step_in_task=1000000000000 is not in \[0, 20\)"),
    (dict(state={"step_in_task": -1}), r"step_in_task=-1 is not in"),
    (dict(state={"task": -5}), r"task=-5 is not in \[0, 3\]"),
    (dict(state={"task": 4}), r"task=4 is not in \[0, 3\]"),
    (dict(state={"task": True}), r"task=True is not in"),
    (dict(state={"task": "1"}), r"task='1' is not in"),
    (dict(state={"error": 123}), r"error must be text"),
    (dict(state={"error": "x" * 20_000}), r"error must be text"),
    (dict(state={"method": [1, 2]}), r"method is not a dictionary"),
    (dict(state={"opt": "adam"}), r"optimizer state is not a dictionary"),
    (dict(config={"target": {"hidden": [2_000_000]}}),
     r"invalid config: target\.hidden\[0\]=2000000 exceeds the limit 4096"),
    (dict(config={"task": {"benchmark": "permuted-digits", "n_tasks": 3000}}),
     r"invalid config: task\.n_tasks=3000 exceeds the limit 1000"),
    (dict(config={"task": {"benchmark": "permuted-digits", "n_tasks": 10**6}}),
     r"invalid config: task\.n_tasks must be <= 10000"),
    (dict(config={"train": {"iters_per_task": 10**9}}), r"train\.iters_per_task=1000000000"),
    (dict(config={"train": {"batch_size": -3}}), r"train\.batch_size must be >= 1"),
    (dict(config={"hnet": {"hidden": [100_000, 100_000]}}), r"hnet\.hidden\[0\]=100000"),
    (dict(config={"train": {"method": "pickle"}}), r"train\.method must be one of"),
    (dict(history=[]), r"history is malformed"),
    (dict(history={"R": "x"}), r"history\['R'\] is not a list"),
    (dict(history={"R": [[0.1, 0.2, 0.3]] * 5}), r"history\['R'\] has 5 entries, more than"),
    (dict(history={"R": [[0.1, 0.2]]}), r"history R\[0\] must be a list of 3 numbers"),
    (dict(history={"R": [["a", 0.2, 0.3]]}), r"history R\[0\] must be a list of 3 numbers"),
    (dict(history={"R": []}), r"0 rows of R but its state says 1 tasks are done"),
    (dict(history={"R0": [0.1] * 10**4}), r"history R0 must be a list of 3"),
    (dict(history={"loss": [[1, 2]]}), r"history\['loss'\] rows must be \[step, loss, reg\]"),
    (dict(history={"loss": [[1, 0.5, 0.0]] * 50}), r"history\['loss'\] has 50 entries"),
    # longer than any history of its config: refused before the JSON is parsed
    (dict(history={"loss": [[1, 0.5, 0.0]] * 10**5}),
     r"history is 150\d{4} characters long, more than the \d+ a run of its config writes"),
    (dict(history={"R": [[[]] * 10_000]}), r"history holds 100\d\d lists and objects, more than a run of its config writes \(100\)"),
    (dict(history={"evals": [{"step": 1, "task": 99, "values": []}]}), r"'evals'\] entries"),
    (dict(history={"evals": [{"step": 1, "task": 0, "values": [0.1] * 4}]}),
     r"evals values must be a list of at most 3"),
    (dict(history={"emb_traj": [{"step": 1, "task": 0, "emb": [0.0] * 9}]}),
     r"emb_traj emb must be a list of 2"),
    (dict(history={"task_end_steps": ["20"]}), r"task_end_steps'\] must hold one step"),
    (dict(history={"wall_s": -1}), r"wall_s'\] must be a number"),
    (dict(history={"timing": []}), r"history\['timing'\] must be \{train_s"),
    (dict(history={"timing": {"gpu_s": 1.0}}), r"history\['timing'\] must be \{train_s"),
    (dict(history={"timing": {"train_s": -1.0}}), r"train_s and eval_s must be seconds"),
    (dict(history={"timing": {"task_train_s": [1.0] * 4}}), r"must be at most 3 seconds"),
    (dict(history={"timing": {"task_train_s": ["1"]}}), r"must be at most 3 seconds"),
    (dict(history={"oops": 1}), r"history has unknown entries \['oops'\]"),
    (dict(meta=[1, 2]), r"meta is not a JSON object"),
])
def test_refused_before_anything_is_built(good, no_builders, edit, match):
    _refused(_edit(good, **edit), match)


def test_app_limits_refuse_what_the_library_allows(good, no_builders):
    app = app_limits({})
    n = app.max_tasks + 20  # within the library's limit, beyond the app's
    bad = _edit(good, config={"task": {"benchmark": "permuted-digits", "n_tasks": n}})
    with pytest.raises(RunFileError, match=rf"task\.n_tasks={n} exceeds the limit "
                                           rf"{app.max_tasks} \(HNVIZ_LIMIT_MAX_TASKS\)"):
        load_run(bad, limits=app)


# ----------------------------------------------------------------- tensors, before loading them
def _method_state(good: bytes, **changes) -> bytes:
    d = _load(good)
    for k, v in changes.items():
        if v is None:
            del d["state"]["method"][k]
        else:
            d["state"]["method"][k] = v
    return _save(d)


@pytest.mark.parametrize("changes, match", [
    (dict(snapshot=torch.zeros(1, 7)), r"tensor 'snapshot' has shape \[1, 7\], expected "
                                       r"\[at most 3, 141\]"),
    (dict(snapshot=torch.zeros(4, 141)), r"'snapshot' has shape \[4, 141\], expected \[at most 3"),
    (dict(snapshot=torch.zeros(141)), r"'snapshot' has shape \[141\]"),
    (dict(snapshot=torch.zeros(1, 141, dtype=torch.float64)), r"'snapshot' is \[1, 141\] of "
                                                              r"torch\.float64"),
    ({"hnet.body.0.weight": torch.zeros(2, 2)},
     r"tensor 'hnet\.body\.0\.weight' has shape \[2, 2\], expected \[10, 2\]"),
    ({"hnet.task_embs.0": torch.zeros(10**3)}, r"'hnet\.task_embs\.0' has shape \[1000\]"),
    ({"hnet.body.0.weight": None}, r"missing \['hnet\.body\.0\.weight'\]"),
    ({"extra": torch.zeros(1)}, r"unexpected \['extra'\]"),
    ({"hnet.body.0.bias": [1.0] * 10}, r"'hnet\.body\.0\.bias' is list"),
])
def test_wrong_tensors_are_named_with_shapes(good, changes, match):
    _refused(_method_state(good, **changes), match)


def _opt(good: bytes, edit) -> bytes:
    d = _load(good)
    edit(d["state"]["opt"])
    return _save(d)


@pytest.mark.parametrize("edit, match", [
    (lambda o: o["state"][0].update(exp_avg=torch.zeros(3)),
     r"optimizer exp_avg of parameter 0 has shape \[3\], expected \[10, 2\]"),
    (lambda o: o["state"].update({99: o["state"][0]}), r"entries for unknown parameters"),
    (lambda o: o["param_groups"][0].update(lr=1e9), r"optimizer settings differ"),
    (lambda o: o["param_groups"][0].update(amsgrad=True), r"optimizer settings differ"),
    (lambda o: o["param_groups"][0].update(params=[0, 1]), r"optimizer state covers \[0, 1\]"),
    (lambda o: o.update(param_groups=[]), r"one parameter group"),
    (lambda o: o["state"][0].pop("exp_avg_sq"), r"must be step, exp_avg, exp_avg_sq"),
])
def test_wrong_optimizer_state(good, edit, match):
    _refused(_opt(good, edit), match)


def test_the_good_file_loads(good):
    t, _ = load_run(good)
    assert (t.task, t.step_in_task) == (1, 3) and t.opt is not None
    t.advance(5)


# ----------------------------------------------------------------- not run files at all
class Evil:
    def __reduce__(self):
        return (os.system, (f"touch {PWNED}",))


def _evil_zip() -> bytes:
    buf = io.BytesIO()
    torch.save({"x": 1}, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.endswith("data.pkl"):
                data = pickle.dumps(Evil(), protocol=2)
            z.writestr(item, data)
    return out.getvalue()


def _legacy(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False)
    return buf.getvalue()


@pytest.mark.parametrize("make, match", [
    (lambda g: os.urandom(4096), r"not a PyTorch file$"),
    (lambda g: b"hello, world\n" * 10, r"not a PyTorch file$"),
    (lambda g: b"", r"the file is empty$"),
    (lambda g: g[: len(g) // 2], r"truncated or corrupt$"),
    (lambda g: g[:-10], r"truncated or corrupt$"),
    (lambda g: g[:100], r"truncated or corrupt$"),
    # the legacy format allocates storages at their declared sizes: never read
    (lambda g: _legacy({"x": torch.zeros(3)})[:40], r"some other PyTorch file, in the legacy"),
    (lambda g: _save(torch.zeros(3)), r"not an hnviz run file \(it is some other PyTorch file\)"),
    (lambda g: _save({"state_dict": {"w": torch.zeros(2)}}), r"some other PyTorch file"),
    (lambda g: _legacy({"format": "x"}), r"some other PyTorch file"),
    (lambda g: pickle.dumps(Evil(), protocol=2), r"refused for safety"),
    (lambda g: _evil_zip(), r"refused for safety"),
])
def test_foreign_and_broken_files(good, make, match):
    if os.path.exists(PWNED):
        os.remove(PWNED)
    text = _refused(make(good), match)
    assert text.startswith("not ")
    assert "Errno" not in text and "seek" not in text and "Weights only" not in text
    assert not os.path.exists(PWNED)


def test_truncated_file_on_disk(good, tmp_path):
    p = tmp_path / "cut.pt"
    for n in (0, 10, 1000, len(good) // 2, len(good) - 1):
        p.write_bytes(good[:n])
        with pytest.raises(RunFileError, match=r"truncated or corrupt$|the file is empty$"):
            read_run_dict(p)


def test_directory_and_missing_paths(tmp_path):
    with pytest.raises(RunFileError, match="is a directory"):
        read_run_dict(tmp_path)
    with pytest.raises(RunFileError, match="no such file"):
        read_run_dict(tmp_path / "nope.pt")
