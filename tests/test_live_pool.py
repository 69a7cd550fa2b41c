"""TrainPool (worker processes) and InlinePool (one thread) behave the same: runs train to the
same results as the reference Trainer, quotas refuse in one line, Pause and Step respond, a killed
worker's runs are restored from their checkpoints, and close() leaves nothing behind.

One pool per backend for the whole module (starting workers costs seconds)."""

import multiprocessing
import os
import signal
import threading
import time

import pytest

from hnviz.core.io import RunFileError, load_run
from hnviz.live import (
    FromConfig,
    FromFile,
    InlinePool,
    Limits,
    LiveError,
    PoolBusy,
    QuotaExceeded,
    TrainPool,
    UnknownRun,
    make_pool,
)
from tests.live_helpers import fresh_bytes, reference, toy_cfg, wait_until, without_wall

LIMITS = Limits(workers=2, max_playing_per_user=2, max_hosted_per_user=4, max_hosted=64)
SEEN_PIDS: set[int] = set()
CHECKPOINTS: list[tuple[str, str, int]] = []


def child_pids() -> set[int]:
    """Live processes whose parent is this one (from /proc)."""
    me, out = os.getpid(), set()
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == me and fields[0] != "Z":
                out.add(int(d))
    return out


@pytest.fixture(scope="module", params=["inline", "process"])
def pool(request):
    def on_checkpoint(run_id, owner, data):
        CHECKPOINTS.append((run_id, owner, len(data)))

    # threads of pools that other tests (e.g. the app's process-wide pool) left running
    p_threads_before = {t for t in threading.enumerate() if t.name.startswith("hnviz-live")}
    p = (InlinePool(LIMITS, on_checkpoint=on_checkpoint) if request.param == "inline"
         else TrainPool(2, LIMITS, on_checkpoint=on_checkpoint))
    p.threads_before = p_threads_before
    t0 = time.perf_counter()
    assert p.ready(120)
    print(f"\n[{request.param}] pool ready in {time.perf_counter() - t0:.1f} s")
    yield p
    p.close()


@pytest.fixture(scope="module")
def refs():
    return {seed: reference(toy_cfg(seed=seed)) for seed in (0, 1, 2)}


def cleanup(pool, *run_ids):
    for r in run_ids:
        pool.remove(r)


def test_runs_of_two_owners_train_concurrently_to_the_reference(pool, refs):
    owners = {"a0": ("alice", 0), "a1": ("alice", 1), "b2": ("bob", 2)}
    mirrors = {rid: pool.add(f"{pool.backend}-{rid}", owner, fresh_bytes(toy_cfg(seed=seed)),
                             extras="tests.live_helpers:extras_probe")
               for rid, (owner, seed) in owners.items()}
    for m in mirrors.values():
        assert m.snapshot().state == "paused"
        pool.play(m.run_id)
    if pool.backend == "process":  # placement: the three runs are spread over both workers
        assert {pool.worker_of(m.run_id) for m in mirrors.values()} == {0, 1}
    assert wait_until(lambda: sum(m.snapshot().progress.global_step > 0
                                  for m in mirrors.values()) == 3, 30)
    for rid, m in mirrors.items():
        snap = m.wait(lambda s: s.done, timeout=60)
        assert snap is not None, m.snapshot()
        ref = refs[owners[rid][1]]
        assert snap.state == "done" and snap.progress.global_step == ref.global_step
        assert without_wall(snap.history) == without_wall(ref.history)
        assert snap.history["wall_s"] > 0
        assert snap.extras == {"step": 450, "task": 3, "pid_marker": "probe"}
        assert snap.owner == owners[rid][0] and snap.config == toy_cfg(seed=owners[rid][1]).to_dict()
        assert snap.checkpoint_step == 450
        assert load_run(m.checkpoint()[0])[0].history["R"] == ref.history["R"]
    assert sorted(pool.runs("bob")) == [f"{pool.backend}-b2"]
    # the autosave hook got every task end (3 per run) on its own thread
    assert wait_until(lambda: sum(c[0] == mirrors["b2"].run_id for c in CHECKPOINTS) == 3, 5)
    assert ("bob" in {c[1] for c in CHECKPOINTS}) and ("alice" in {c[1] for c in CHECKPOINTS})
    cleanup(pool, *(m.run_id for m in mirrors.values()))
    assert pool.runs() == []


def test_a_run_sent_as_its_config_is_built_by_its_worker_alone(pool, refs, tmp_path):
    """The server sends a new run as its (admitted) config and builds nothing: the worker builds
    the only Trainer, whose first update carries the run's first checkpoint (the file the
    server autosaves, and what a crash restores from). A run trained on from its file is sent
    as the file's path. Both train to the reference."""
    cfg = toy_cfg(seed=1)
    before = len(CHECKPOINTS)
    m = pool.add(f"{pool.backend}-cfg", "cleo", FromConfig(cfg.to_dict(), {"name": "mine"}))
    snap = m.snapshot()
    assert snap.state == "paused" and snap.config == cfg.to_dict()
    assert snap.meta == {"name": "mine"}
    assert snap.checkpoint_step == 0 and snap.history["R0"] == refs[1].history["R0"]
    first, _ = load_run(m.checkpoint()[0])
    assert first.global_step == 0 and first.cfg == cfg
    assert wait_until(lambda: len(CHECKPOINTS) > before, 5)  # autosaved like any checkpoint
    pool.step(m.run_id, 200)
    path = tmp_path / "half.pt"
    path.write_bytes(pool.export(m.run_id))
    cleanup(pool, m.run_id)
    again = pool.add(f"{pool.backend}-file", "cleo", FromFile(str(path)), play=True)
    done = again.wait(lambda s: s.done, 60)
    assert done.state == "done" and done.history["R"] == refs[1].history["R"]
    assert without_wall(done.history) == without_wall(refs[1].history)
    cleanup(pool, again.run_id)


def test_quotas_refuse_with_a_clear_message(pool):
    long = fresh_bytes(toy_cfg(iters=20_000))
    ids = [f"{pool.backend}-q{i}" for i in range(4)]
    for i, rid in enumerate(ids):
        pool.add(rid, "carol", long, play=i < 2)
    with pytest.raises(QuotaExceeded) as e:
        pool.play(ids[2])
    msg = str(e.value)
    assert msg == ("you already have 2 runs training, the most one user may train at once; "
                   "pause one first") and "\n" not in msg
    with pytest.raises(QuotaExceeded, match="2 runs training"):
        pool.step(ids[3], 10)
    with pytest.raises(QuotaExceeded, match="already have 4 live runs"):
        pool.add(f"{pool.backend}-q9", "carol", long)
    pool.add(f"{pool.backend}-d0", "dave", long, play=True)  # another user is not affected
    pool.pause(ids[0])
    pool.play(ids[2])  # a free training slot again
    assert pool.stats()["playing"] == 3
    cleanup(pool, *ids, f"{pool.backend}-d0")
    assert pool.stats()["playing"] == 0 and pool.runs() == []


def test_bad_requests_fail_in_one_line(pool):
    with pytest.raises(RunFileError, match="not a readable hnviz run file"):
        pool.add(f"{pool.backend}-bad", "erin", b"garbage")
    assert pool.runs("erin") == []  # nothing left behind
    with pytest.raises(UnknownRun, match="no live run"):
        pool.play("nope")
    with pytest.raises(LiveError, match="extras function"):
        pool.add(f"{pool.backend}-x", "erin", fresh_bytes(toy_cfg()), extras="tests.live_helpers:nope")
    rid = f"{pool.backend}-s"
    pool.add(rid, "erin", fresh_bytes(toy_cfg()))
    with pytest.raises(LiveError, match="a step must be 1.."):
        pool.step(rid, 0)
    with pytest.raises(LiveError, match="at most"):
        pool.add("big", "erin", b"x" * (LIMITS.max_run_bytes + 1))
    cleanup(pool, rid)


def test_pause_and_step_respond_quickly(pool, capsys):
    rid = f"{pool.backend}-p"
    m = pool.add(rid, "frank", fresh_bytes(toy_cfg(iters=20_000)))
    t0 = time.perf_counter()
    assert pool.step(rid, 137) == 137
    step_s = time.perf_counter() - t0
    snap = m.snapshot()  # the reply comes after the update is applied
    assert snap.progress.global_step == 137 and snap.state == "paused"
    assert snap.checkpoint_step == 137
    latencies = []
    for _ in range(3):
        pool.play(rid)
        assert m.wait(lambda s: s.state == "playing", 10)
        time.sleep(0.2)
        t0 = time.perf_counter()
        pool.pause(rid)
        snap = m.wait(lambda s: s.state == "paused", 10)
        latencies.append(time.perf_counter() - t0)
        assert snap is not None
        time.sleep(0.1)
        assert m.snapshot().progress.global_step == snap.progress.global_step  # it stopped
    with capsys.disabled():
        print(f"\n[{pool.backend}] step(137) {step_s * 1000:.0f} ms; pause latency "
              f"{', '.join(f'{x * 1000:.0f}' for x in latencies)} ms")
    assert max(latencies) < 5.0
    data = pool.export(rid)
    t, _ = load_run(data)
    assert t.global_step == m.snapshot().progress.global_step
    cleanup(pool, rid)


def test_a_killed_worker_loses_only_its_runs_which_are_restored(pool):
    if pool.backend != "process":
        pytest.skip("only a process can be killed")
    cfg = toy_cfg(seed=5, iters=500)
    ref = reference(cfg)
    victim = pool.add("victim", "gina", fresh_bytes(cfg), play=True)
    bystander = pool.add("bystander", "hugo", fresh_bytes(toy_cfg(seed=1)), play=True)
    assert pool.worker_of("victim") != pool.worker_of("bystander")
    slot = pool.worker_of("victim")
    old_pid = pool.worker_pids()[slot]
    SEEN_PIDS.update(p for p in pool.worker_pids() if p)
    assert victim.wait(lambda s: (s.checkpoint_step or 0) >= 500 and s.state == "playing", 60)
    os.kill(old_pid, signal.SIGKILL)
    lost = victim.wait(lambda s: s.state == "lost", 10)
    assert lost is not None and "killed by SIGKILL" in lost.message
    ckpt_step = lost.checkpoint_step
    assert ckpt_step >= 500 and f"restoring it from step {ckpt_step}" in lost.message
    back = victim.wait(lambda s: s.state in ("playing", "done") and s.restores == 1, 60)
    assert back is not None
    assert back.message.startswith(f"restored from step {ckpt_step} after its training process")
    assert pool.worker_pids()[slot] not in (None, old_pid)
    SEEN_PIDS.update(p for p in pool.worker_pids() if p)
    done = victim.wait(lambda s: s.done, 60)
    assert done is not None and done.state == "done"
    assert without_wall(done.history) == without_wall(ref.history)  # resumed bit-identically
    other = bystander.wait(lambda s: s.done, 60)
    assert other.state == "done" and other.restores == 0
    assert pool.stats()["workers"][slot]["restarts"] == 1
    cleanup(pool, "victim", "bystander")


def test_close_leaves_no_processes(pool):
    """Last test of the module for each pool: close it (the fixture's close is then a no-op)."""
    SEEN_PIDS.update(p for p in pool.worker_pids() if p)
    pool.close()
    pool.close()  # idempotent
    assert multiprocessing.active_children() == []
    assert not child_pids() & SEEN_PIDS  # every worker ever started (restarts too) is gone
    assert all(not t.name.startswith("hnviz-live") for t in threading.enumerate()
               if t not in pool.threads_before)
    with pytest.raises(PoolBusy, match="shut down"):
        pool.add("late", "ivy", b"")


def test_make_pool_follows_hnviz_workers():
    inline = make_pool(Limits.from_env({"HNVIZ_WORKERS": "0"}))
    assert isinstance(inline, InlinePool) and inline.worker_pids() == [None]
    inline.close()
    p = make_pool(Limits.from_env({"HNVIZ_WORKERS": "3"}))
    assert type(p) is TrainPool and len(p.worker_pids()) == 3
    p.close()  # never started: nothing to stop
    with pytest.raises(ValueError, match="HNVIZ_MAX_HOSTED='lots' is not a valid int"):
        Limits.from_env({"HNVIZ_MAX_HOSTED": "lots"})
    with pytest.raises(ValueError, match="max_playing_per_user must be > 0"):
        Limits.from_env({"HNVIZ_MAX_PLAYING_PER_USER": "0"})


def test_a_run_without_a_checkpoint_is_restored_from_what_it_was_added_from(tmp_path):
    """A run trained on from its file has sent no checkpoint yet when its worker dies: it is
    re-hosted from that file (it used to need the bytes it was added from), and given up,
    saying so, when that keeps failing."""
    path = tmp_path / "run.pt"
    path.write_bytes(fresh_bytes(toy_cfg()))
    with InlinePool(LIMITS, max_restores=1) as p:
        assert p.ready(60)
        m = p.add("poison", "jo", FromFile(str(path)), play=True,
                  extras="tests.live_helpers:extras_exit")
        snap = m.wait(lambda s: s.state == "lost" and s.message.startswith("lost:"), 30)
        assert snap is not None, m.snapshot()
        assert snap.restores == 1 and m.checkpoint()[0] is None
        assert snap.message == ("lost: its training process stopped 2 times (it exited with "
                                "code 1); it had no checkpoint yet")


def test_a_run_that_keeps_killing_its_worker_is_given_up():
    """Crash, restore, crash again: with max_restores=1 the run then stays lost (its checkpoint
    kept) and the worker serves other runs again. In-process: the worker thread ends the same
    way a process does (SystemExit)."""
    with InlinePool(LIMITS, max_restores=1) as p:
        assert p.ready(60)
        m = p.add("poison", "jo", fresh_bytes(toy_cfg()), play=True,
                  extras="tests.live_helpers:extras_exit")
        snap = m.wait(lambda s: s.state == "lost" and s.message.startswith("lost:"), 30)
        assert snap is not None, m.snapshot()
        assert snap.message == ("lost: its training process stopped 2 times (it exited with "
                                "code 1); its last checkpoint (step 0) is kept")
        assert snap.restores == 1 and m.checkpoint()[1] == 0
        with pytest.raises(LiveError, match="lost"):
            p.play("poison")
        assert p.stats()["playing"] == 0
        ok = p.add("fine", "jo", fresh_bytes(toy_cfg(iters=30)), play=True)
        assert ok.wait(lambda s: s.done, 30).state == "done"
