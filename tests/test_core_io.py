import io
import os
import pickle
import zipfile

import pytest
import torch

from hnviz.core.io import RunFileError, load_run, read_run_dict, run_to_bytes, save_run
from hnviz.core.presets import default_config
from hnviz.core.trainer import Trainer


def tiny(method="hnet"):
    return Trainer(default_config("regression1d", method).replace(
        train={"iters_per_task": 20, "eval_every": 10}))


@pytest.mark.parametrize("method", ["hnet", "ewc", "si"])
def test_round_trip_then_continue_equals_uninterrupted(tmp_path, method):
    a, b = tiny(method), tiny(method)
    a.advance(33)
    p = save_run(a, tmp_path / "run.pt", meta={"note": "hi"})
    c, meta = load_run(p)
    assert meta == {"note": "hi"} and c.cfg == a.cfg and c.history == a.history
    c.run()
    b.run()
    assert c.history["R"] == b.history["R"]
    for k, v in b.method.state_dict().items():
        assert torch.equal(v, c.method.state_dict()[k]), k


def test_finished_run_from_bytes():
    t = tiny()
    t.run()
    c, _ = load_run(run_to_bytes(t))
    assert c.finished and c.summary() == t.summary()


def test_atomic_write_leaves_old_file_on_failure(tmp_path, monkeypatch):
    t = tiny()
    p = save_run(t, tmp_path / "run.pt")
    before = p.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", boom)
    with pytest.raises(OSError):
        save_run(t, p)
    assert p.read_bytes() == before
    assert os.listdir(tmp_path) == ["run.pt"]  # no temp file left behind


class Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/hnviz_pwned",))


@pytest.mark.parametrize("make, msg", [
    (lambda good: b"not a torch file at all", "not a readable"),
    (lambda good: good[: len(good) // 2], "not a readable"),
    (lambda good: _torch_bytes({"weights": torch.zeros(3)}), "not an hnviz run"),
    (lambda good: _torch_bytes(torch.zeros(3)), "not an hnviz run"),
    (lambda good: _torch_bytes({"format": "hnviz-run", "version": 99, "config": "{}",
                                "history": "{}", "state": {}}), "newer"),
    (lambda good: _torch_bytes({"format": "hnviz-run", "version": 1, "config": "{nope",
                                "history": "{}", "state": {}}), "JSON"),
    (lambda good: _torch_bytes({"format": "hnviz-run", "version": 1,
                                "config": '{"train": {"beta": "x"}}', "history": "{}",
                                "state": {}}), "invalid config"),
    (lambda good: _swap_state(good), "do not match"),
    (lambda good: pickle.dumps(Evil()), "not a readable"),
    (lambda good: _evil_zip(), "refused for safety"),
])
def test_bad_files_give_clear_errors(make, msg):
    t = tiny()
    t.advance(5)
    bad = make(run_to_bytes(t))
    with pytest.raises(RunFileError, match=msg) as e:
        load_run(bad)
    assert "\n" not in str(e.value)
    assert not os.path.exists("/tmp/hnviz_pwned")


def test_missing_file():
    with pytest.raises(RunFileError, match="no such file"):
        read_run_dict("/nonexistent/run.pt")


def _torch_bytes(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _swap_state(good: bytes) -> bytes:
    d = torch.load(io.BytesIO(good), weights_only=True)
    d["state"]["method"] = {"hnet.body.0.weight": torch.zeros(2, 2)}
    return _torch_bytes(d)


def _evil_zip() -> bytes:
    """A real torch zip file whose pickle calls os.system (weights_only must refuse it)."""
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


def test_save_removes_stale_temp_files_of_killed_writes(tmp_path):
    import time

    from hnviz.core.io import STALE_TMP_S

    old, new = tmp_path / ".run.pt.k3j9x0ab.tmp", tmp_path / ".other.pt.zz81hh2c.tmp"
    foreign = tmp_path / ".notes.tmp"  # not a run file's temp file: never touched
    for p in (old, new, foreign):
        p.write_bytes(b"partial")
    past = time.time() - 2 * STALE_TMP_S
    for p in (old, foreign):
        os.utime(p, (past, past))
    save_run(tiny(), tmp_path / "saved.pt")
    assert not old.exists() and new.exists() and foreign.exists()
    assert (tmp_path / "saved.pt").exists()


def test_check_output_path(tmp_path):
    from hnviz.core.io import OutputPathError, check_output_path

    assert check_output_path(tmp_path / "a" / "b" / "run.pt") == tmp_path / "a" / "b" / "run.pt"
    assert list(tmp_path.iterdir()) == []  # creates nothing
    for bad in (tmp_path, tmp_path / "f.txt" / "run.pt", "/proc/x/run.pt", ""):
        if bad == tmp_path / "f.txt" / "run.pt":
            (tmp_path / "f.txt").write_text("x")
        with pytest.raises(OutputPathError) as e:
            check_output_path(bad)
        assert "\n" not in str(e.value)


def test_check_output_folder(tmp_path):
    from hnviz.core.io import OutputPathError, check_output_path

    assert check_output_path(tmp_path, folder=True) == tmp_path  # exists, writable
    assert check_output_path(tmp_path / "sweeps" / "toy", folder=True)  # can be created
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "f").write_text("x")
    for bad, match in ((tmp_path / "f", "is a file, not a folder"),
                       (tmp_path / "f" / "sub", "is a file, not a folder"),
                       ("/proc/hnviz-sweep", "not writable")):
        with pytest.raises(OutputPathError, match=match):
            check_output_path(bad, folder=True)


def test_files_without_timing_load_with_unmeasured_tasks():
    """Files written before history["timing"] existed: what ran is unmeasured (None), what is
    trained after loading is measured; the summary's overall ms/step uses the measured tasks."""
    import io as _io
    import json as _json

    from hnviz.analysis.summary import run_summary
    from hnviz.core.io import run_to_dict

    cfg = default_config("split-digits", "hnet").replace(
        task={"n_tasks": 3}, train={"iters_per_task": 10, "eval_every": 5})
    tr = Trainer(cfg)
    tr.advance(15)  # task 1 done, task 2 half
    d = run_to_dict(tr)
    h = _json.loads(d["history"])
    del h["timing"]
    d["history"] = _json.dumps(h)
    buf = _io.BytesIO()
    torch.save(d, buf)
    back, _ = load_run(buf.getvalue())
    assert back.history["timing"]["task_train_s"] == [None, None]
    back.run()
    s = run_summary(back, 1.0)
    by_task = s["ms_per_step_by_task"]
    assert by_task[:2] == [None, None] and by_task[2] > 0
    assert s["ms_per_step"] == by_task[2]


@pytest.mark.parametrize("bench, method, scenario", [
    ("regression1d", "hnet", "cl1"), ("split-digits", "ewc", "cl1"),
    ("split-digits", "hnet", "cl3")])
def test_loading_restores_state_and_history_without_evaluating(monkeypatch, bench, method,
                                                                scenario):
    """A run file holds its history: loading restores it and the state as recorded, and
    evaluates no task (it used to evaluate every task once, R0, and throw the result away);
    evaluation happens when the loaded run trains on or is asked (`evaluate`)."""
    cfg = default_config(bench, method).replace(
        task={"n_tasks": 3, "scenario": scenario}, train={"iters_per_task": 10, "eval_every": 5})
    tr = Trainer(cfg)
    tr.advance(15)
    data = run_to_bytes(tr)
    calls = []
    for name in ("evaluate", "_evaluate_cells"):  # task given; R0 and R in CL2/CL3
        real = getattr(Trainer, name)
        monkeypatch.setattr(Trainer, name, lambda self, *a, _real=real, **k:
                            calls.append(a) or _real(self, *a, **k))
    back, _ = load_run(data)
    assert calls == [] and back.history == tr.history
    assert (back.task, back.step_in_task) == (tr.task, tr.step_in_task)
    assert back.evaluate([0, 1]) == tr.evaluate([0, 1])  # on demand: the same numbers
    back.run()
    tr.run()
    assert back.history["R"] == tr.history["R"]


def test_files_without_r0_get_it_from_the_freshly_built_run():
    """R0 (before any training: FWT's baseline) is the one thing a file may lack that loading
    computes, on the untrained weights, as the run had it."""
    import io as _io
    import json as _json

    from hnviz.core.io import run_to_dict

    tr = tiny()
    want = list(tr.history["R0"])
    tr.advance(25)
    d = run_to_dict(tr)
    h = _json.loads(d["history"])
    del h["R0"]
    d["history"] = _json.dumps(h)
    buf = _io.BytesIO()
    torch.save(d, buf)
    back, _ = load_run(buf.getvalue())
    assert back.history["R0"] == want
