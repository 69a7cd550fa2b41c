"""RunMirror: the server's copy of a hosted run, rebuilt from update deltas."""

import threading

import pytest

from hnviz.live.delta import APPEND_ONLY, DeltaGap, HistoryCursor, apply_delta
from hnviz.live.host import RunHost
from hnviz.live.mirror import RunMirror
from hnviz.live.options import HostOptions
from tests.live_helpers import fresh_bytes, toy_cfg, without_wall


def play_through(host: RunHost, run_id: str) -> list:
    updates = []
    while host.busy:
        updates += host.work(0.0)
    return updates


@pytest.fixture(scope="module")
def recorded():
    """Every update of one toy run played to the end (one publish per slice) + its trainer."""
    host = RunHost(HostOptions(slice_s=0.003, publish_s=0.0))
    updates = host.add("a", "u", fresh_bytes(toy_cfg()), play=True,
                       extras="tests.live_helpers:extras_probe")
    updates += play_through(host, "a")
    return updates, host.trainer("a")


def test_deltas_rebuild_the_history_exactly(recorded):
    updates, trainer = recorded
    assert len(updates) > 20  # many small deltas
    m = RunMirror("a", "u", checkpoint=b"initial")
    assert m.snapshot().state == "starting" and m.checkpoint() == (b"initial", None)
    for u in updates:
        m.apply(u)
    snap = m.snapshot()
    assert snap.history == trainer.history  # wall_s included: the done update was the last
    assert snap.state == "done" and snap.done and snap.progress.global_step == 450
    assert snap.config == toy_cfg().to_dict() and snap.meta == {"name": "test"}
    assert snap.extras == {"step": 450, "task": 3, "pid_marker": "probe"}
    assert snap.version == len(updates)
    data, step = m.checkpoint()
    assert step == 450 and data == updates[-1].checkpoint


def test_throttled_publishes_rebuild_it_too():
    host = RunHost(HostOptions(slice_s=0.003, publish_s=0.05))
    m = RunMirror("a", "u")
    for u in host.add("a", "u", fresh_bytes(toy_cfg()), play=True) + play_through(host, "a"):
        m.apply(u)
    assert m.snapshot().history == host.trainer("a").history


def test_a_new_hosting_rolls_the_history_back_to_its_checkpoint(recorded):
    """After a worker crash the run is re-hosted from an older checkpoint: the mirror must then
    equal that run, and the continued run must end equal to an uninterrupted one."""
    updates, trainer = recorded
    m = RunMirror("a", "u")
    ckpt = next(u for u in updates if u.reason == "task_end")  # end of task 1
    for u in updates[:updates.index(ckpt) + 5]:  # a few publishes past the checkpoint
        m.apply(u)
    assert m.snapshot().progress.global_step > ckpt.progress.global_step
    host = RunHost(HostOptions(slice_s=0.003))
    first = host.add("a", "u", ckpt.checkpoint, play=True)
    for u in first:
        m.apply(u)
    assert m.snapshot().history == host.trainer("a").history
    assert m.snapshot().progress.global_step == ckpt.progress.global_step
    for u in play_through(host, "a"):
        m.apply(u)
    assert without_wall(m.snapshot().history) == without_wall(trainer.history)


def test_a_skipped_update_is_refused(recorded):
    updates, _ = recorded
    m = RunMirror("a", "u")
    m.apply(updates[0])
    with pytest.raises(ValueError, match="update 3 after 1"):
        m.apply(updates[2])
    with pytest.raises(DeltaGap):
        apply_delta({"loss": []}, {"loss": (3, [[1, 0.0, 0.0]])}, {})


def test_cursor_sends_each_item_once_and_scalars_when_changed():
    history = {"loss": [], "R0": [1.0], "wall_s": 0.0}
    cur = HistoryCursor()
    assert cur.delta(history) == ({"loss": (0, [])}, {"R0": [1.0], "wall_s": 0.0})
    history["loss"] += [[1, 0.5, 0.0], [5, 0.4, 0.0]]
    history["wall_s"] = 0.2
    assert cur.delta(history) == ({"loss": (0, [[1, 0.5, 0.0], [5, 0.4, 0.0]])}, {"wall_s": 0.2})
    assert cur.delta(history) == ({}, {})
    history["loss"] = [[1, 0.5, 0.0]]  # replaced by a shorter list: resent whole
    assert cur.delta(history) == ({"loss": (0, [[1, 0.5, 0.0]])}, {})


def test_snapshots_stay_consistent_while_updates_arrive(recorded):
    updates, trainer = recorded
    m = RunMirror("a", "u")
    final = trainer.history
    stop = threading.Event()

    def writer():
        for u in updates:
            m.apply(u)
        stop.set()

    th = threading.Thread(target=writer)
    th.start()
    seen, last_version = 0, -1
    while not stop.is_set() or seen == 0:
        s = m.snapshot()
        assert s.version >= last_version
        last_version = s.version
        if s.state == "starting":
            continue
        h, p = s.history, s.progress
        for key in APPEND_ONLY:  # every list is a prefix of the final one ...
            if key in final:  # (R_given / R_task: CL2/CL3 runs only)
                assert h[key] == final[key][:len(h[key])]
        # ... and all of them, the progress and the extras come from the same update
        assert len(h["R"]) == len(h["task_end_steps"]) == p.task
        assert not h["loss"] or h["loss"][-1][0] <= p.global_step
        assert not h["evals"] or h["evals"][-1]["step"] <= p.global_step
        assert s.extras["step"] == p.global_step
        seen += 1
    th.join()
    assert seen > 0 and m.snapshot().history == final


def test_wait_returns_when_the_predicate_holds(recorded):
    updates, _ = recorded
    m = RunMirror("a", "u")
    assert m.wait(lambda s: s.state == "done", timeout=0.05) is None
    th = threading.Thread(target=lambda: [m.apply(u) for u in updates])
    th.start()
    snap = m.wait(lambda s: s.state == "done", timeout=30)
    th.join()
    assert snap is not None and snap.progress.finished
    m.set_lost("its training process stopped")
    assert m.snapshot().state == "lost" and "stopped" in m.snapshot().message
