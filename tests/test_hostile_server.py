"""One server, a whole class, some of them hostile (issue 22): uploads are kept on disk, not in
server memory; a user's budget covers everything they hold; idle workspaces are released in
minutes; server-wide caps on users, trainers and sweeps refuse with a message that names the
limit and the wait; app sweeps are one per user, bounded, niced, cancellable and stopped with
their workspace; a failed autosave is shown to its user."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hnviz.core.io import run_to_bytes
from hnviz.core.presets import default_config
from hnviz.core.trainer import Trainer
from hnviz.live import InlinePool
from hnviz.live.errors import PoolBusy
from hnviz.live.limits import Limits as LiveLimits
from hnviz.serve.limits import ServerLimits
from hnviz.serve.sweeps import SweepRefused
from hnviz.serve.userstore import StoreError
from hnviz.serve.workspace import ServerFull, Workspaces

ROOT = Path(__file__).resolve().parents[1]
A, B, C = "a" * 24, "b" * 24, "c" * 24


@pytest.fixture
def pool():
    p = InlinePool(LiveLimits(workers=0, max_playing=1))
    assert p.ready(60)
    yield p
    p.close()


def _wait(pred, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline
        time.sleep(0.05)


def _toy(iters: int = 20):
    return default_config("regression1d").replace(train={"iters_per_task": iters})


# ------------------------------------------------------------------ uploads on disk
UPLOADS = textwrap.dedent("""
    import gc, sys
    from hnviz.core.io import run_to_bytes
    from hnviz.core.presets import default_config
    from hnviz.core.trainer import Trainer
    from hnviz.serve.workspace import Workspaces
    def rss():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    cfg = default_config("split-digits", "hnet").replace(
        target={"hidden": (300, 300)}, hnet={"kind": "mlp", "hidden": (50,)})
    data = run_to_bytes(Trainer(cfg))
    del cfg
    spaces = Workspaces(sys.argv[1], lambda: None)
    ws = spaces.get("u" * 24)
    ws.add_file(data, "up", "upload")
    gc.collect()
    first = rss()
    for i in range(11):  # each upload arrives as bytes of its own
        h = ws.add_file(bytes(bytearray(data)), "up", "upload")
        h.view()
    gc.collect()
    print(len(data) / 2**20, first, rss(), ws.store.bytes_used() / 2**20)
""")


@pytest.mark.slow
def test_uploads_are_kept_on_disk_not_in_server_memory(tmp_path):
    """Twelve uploads of a ~22 MB run: the files are in the user's folder (and count against
    their budget); the server's memory does not grow with them (it grew by ~80 MB per upload
    when the workspace kept the bytes and a model of each)."""
    r = subprocess.run([sys.executable, "-c", UPLOADS, str(tmp_path)], cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    size_mb, first, last, on_disk = map(float, r.stdout.split())
    assert size_mb > 15 and on_disk >= 12 * size_mb
    assert last - first < 4 * size_mb, (first, last, size_mb)  # it grew by 240 MB before


def test_a_workspace_keeps_no_run_bytes(tmp_path, pool):
    spaces = Workspaces(tmp_path, lambda: pool)
    ws = spaces.get(A)
    data = run_to_bytes(Trainer(_toy()), {"name": "mine"})
    h = ws.add_file(data, "mine", "upload")
    assert not any(isinstance(v, bytes) for v in vars(h).values())
    assert h.data() == data and h.view().cfg.task.benchmark == "regression1d"
    assert (ws.store.autosave_dir / f"{h.run_id}.pt").read_bytes() == data
    again = Workspaces(tmp_path, lambda: pool).get(A)  # a server restart: it comes back
    assert [x.name for x in again.handles() if x.own] == ["mine"]


def test_a_users_run_count_and_budget_bound_new_runs_and_uploads(tmp_path, pool):
    spaces = Workspaces(tmp_path, lambda: pool, limits=ServerLimits(user_runs=2))
    ws = spaces.get(A)
    data = run_to_bytes(Trainer(_toy()))
    ws.add_file(data, "one", "upload")
    ws.new_run(_toy(), "two")
    with pytest.raises(StoreError, match=r"you have 2 runs in your list.*HNVIZ_LIMIT_USER_RUNS"):
        ws.add_file(data, "three", "upload")
    small = Workspaces(tmp_path / "s", lambda: pool,
                       limits=ServerLimits(user_mb=1.5 * len(data) / 2**20))
    ws = small.get(A)
    ws.add_file(data, "one", "upload")
    with pytest.raises(StoreError, match="HNVIZ_LIMIT_USER_MB"):
        ws.add_file(data, "two", "upload")
    with pytest.raises(StoreError, match="HNVIZ_LIMIT_USER_MB"):
        ws.new_run(_toy(), "three")
    assert len([h for h in ws.handles() if h.own]) == 1


# ------------------------------------------------------------------ idle release, users cap
def test_idle_workspaces_are_released_in_minutes(tmp_path, pool):
    spaces = Workspaces(tmp_path, lambda: pool)
    assert spaces.ttl_s == 600  # the default: ten minutes, not hours
    idle, busy = spaces.get(A), spaces.get(B)
    h = busy.new_run(_toy(20_000), "long", play=True)
    kept = idle.new_run(_toy(), "kept")
    assert kept.hosted
    assert spaces.evict_idle(time.time() + 601) == 1  # the idle one; the training one stays
    assert idle.released and not kept.hosted and kept.run_id not in pool.runs()
    assert spaces.evict_idle(time.time() + 6 * 600 + 1) == 1  # unattended training: later
    assert busy.released and h.run_id not in pool.runs()
    back = spaces.get(B)  # the user returns: the run is there, paused, from its file
    (r,) = [x for x in back.handles() if x.own]
    assert r.name == "long" and not r.playing and r.view().global_step > 0


def test_the_server_caps_its_users_and_says_when_a_place_frees_up(tmp_path, pool):
    spaces = Workspaces(tmp_path, lambda: pool, limits=ServerLimits(users=2, idle_s=300))
    spaces.get(A), spaces.get(B)
    with pytest.raises(ServerFull, match=r"already has 2 users, the most it serves at once "
                                         r"\(HNVIZ_LIMIT_USERS\); a place frees up when someone "
                                         r"leaves, in about 5 min"):
        spaces.get(C)
    spaces.get(A).last_seen -= 301  # A left five minutes ago: released for C
    assert spaces.get(C) is not None and len(spaces) == 2


def test_the_server_caps_its_trainers_and_names_the_limit(tmp_path, pool):
    spaces = Workspaces(tmp_path, lambda: pool)
    a = spaces.get(A).new_run(_toy(20_000), "a", play=True)
    _wait(lambda: a.view().global_step > 0)
    b = spaces.get(B).new_run(_toy(), "b")
    with pytest.raises(PoolBusy, match=r"the server is training 1 runs, the most it trains at "
                                       r"once \(HNVIZ_LIMIT_TRAINERS=1\); a place frees up when "
                                       r"a run is paused or finishes: the soonest"):
        spaces.get(B).play(b)
    spaces.get(A).pause(a)
    spaces.get(B).play(b)
    spaces.get(B).pause(b)


def test_trainers_cap_from_the_environment():
    assert LiveLimits.from_env({"HNVIZ_LIMIT_TRAINERS": "7"}).max_playing == 7
    assert LiveLimits.from_env({}).max_playing >= 10
    assert ServerLimits.from_env({"HNVIZ_LIMIT_USERS": "3", "HNVIZ_MAX_USER_MB": "9"}) == \
        ServerLimits(users=3, user_mb=9.0)
    with pytest.raises(ValueError, match="HNVIZ_LIMIT_SWEEPS"):
        ServerLimits.from_env({"HNVIZ_LIMIT_SWEEPS": "0"})
    with pytest.raises(ValueError, match="HNVIZ_LIMIT_DISK_MB='lots'"):
        ServerLimits.from_env({"HNVIZ_LIMIT_DISK_MB": "lots"})


# ------------------------------------------------------------------ a failed autosave
def test_a_failed_autosave_is_kept_for_its_user(tmp_path, pool):
    spaces = Workspaces(tmp_path, lambda: pool)
    pool.on_checkpoint = spaces.on_checkpoint  # as hnviz.ui.services wires them
    ws = spaces.get(A)
    h = ws.new_run(_toy(200), "r")
    ws.store.limits = ServerLimits(user_mb=1e-6)  # the budget is gone (e.g. other files)
    ws.step(h, 50)  # Step completion publishes a checkpoint: its autosave fails
    _wait(lambda: h.autosave_error is not None)
    assert "could not be saved on the server" in h.autosave_error
    assert str(tmp_path) not in h.autosave_error and "HNVIZ_LIMIT_USER_MB" in h.autosave_error
    ws.store.limits = ServerLimits()
    ws.step(h, 50)
    _wait(lambda: h.autosave_error is None)


def test_a_failed_autosave_is_shown_in_the_sidebar():
    from tests.apptest_helpers import active, open_app, wait_until

    at = open_app("pages/1_Train.py")
    at.button(key="train.new").click().run()
    h = active(at)
    wait_until(at, lambda: h.has_file)  # its first checkpoint, from its worker, is autosaved
    h.autosave_error = "its latest state could not be saved on the server: disk full"
    at.run()
    assert any("could not be saved on the server" in c.value for c in at.caption)


# ------------------------------------------------------------------ app sweeps
def _alive_in_group(pgid: int) -> list[int]:
    """Processes of the group that are not zombies (killed workers wait to be reaped)."""
    out = []
    for p in Path("/proc").glob("[0-9]*"):
        try:
            fields = (p / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.append(int(p.name))
    return out


def _pgid_nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


@pytest.mark.slow
def test_app_sweeps_are_bounded_one_per_user_capped_niced_and_stopped(tmp_path, pool):
    lim = ServerLimits(sweeps=1, sweep_runs=6, sweep_iters=100_000)
    spaces = Workspaces(tmp_path, lambda: pool, limits=lim)
    a, b = spaces.get(A), spaces.get(B)
    with pytest.raises(SweepRefused, match=r"4 values × 2 seeds = 8 runs, more than the 6 .*"
                                           r"HNVIZ_LIMIT_SWEEP_RUNS"):
        spaces.start_sweep(a, "big", "regression1d", "hnet", [0, 1, 2, 3], [0, 1], 100)
    with pytest.raises(SweepRefused, match=r"parallel workers is outside 1 … 1"):
        spaces.start_sweep(a, "wide", "regression1d", "hnet", [0], [0], 100, jobs=2)
    job = spaces.start_sweep(a, "long one", "regression1d", "hnet", [0, 0.1, 1], [0], 100_000)
    assert job.running and job.out.startswith(str(a.store.sweeps))
    assert _pgid_nice(job.pid) >= os.getpriority(os.PRIO_PROCESS, 0) + 5  # like live workers
    with pytest.raises(SweepRefused, match="one sweep per user"):
        spaces.start_sweep(a, "second", "regression1d", "hnet", [0], [0], 100)
    with pytest.raises(SweepRefused, match=r"running 1 sweeps, the most it runs at once "
                                           r"\(HNVIZ_LIMIT_SWEEPS\)"):
        spaces.start_sweep(b, "other", "regression1d", "hnet", [0], [0], 100)
    deadline = time.time() + 60
    while job.progress().running == 0 and time.time() < deadline:
        time.sleep(0.2)
    assert job.progress().workers == 1
    a.last_seen -= 6 * spaces.ttl_s + 1  # the user left: the workspace is released
    assert spaces.evict_idle() == 1
    assert not job.running and job.cancelled
    assert not _alive_in_group(job.pid)  # nothing of the group is left running
    b_job = spaces.start_sweep(b, "other", "regression1d", "hnet", [0], [0], 20)
    b.cancel_sweep()
    assert not b_job.running


def test_a_full_server_says_so_on_the_page(monkeypatch):
    import dataclasses

    from streamlit.testing.v1 import AppTest

    from hnviz.ui.services import services
    from tests.apptest_helpers import open_app

    open_app()  # the server has users
    spaces = services().workspaces
    monkeypatch.setattr(spaces, "limits", dataclasses.replace(spaces.limits, users=len(spaces)))
    monkeypatch.setattr(spaces, "evict_idle", lambda now=None: 0)  # nobody leaves
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()  # a new visitor
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any("the most it serves at once (HNVIZ_LIMIT_USERS)" in w for w in warnings), warnings
