"""Nothing lost when a worker is killed (what the OOM killer does), on every backend.

Each test runs `python -m hnviz sweep` as a separate process on a tiny grid (regression1d, 40
iterations per task, plus two longer runs that are long enough to be caught running), waits until
the manifest says a long run is running on some worker process, SIGKILLs exactly that process
(after checking it belongs to this test), and checks: every grid point ends `ok` or `failed` with
a reason, the killed run was run again on another worker, the manifest parses, a second
invocation trains nothing new, and the explorer's loader reads the result.

Dask and Ray run as docs/SWEEPS.md says: hnviz installed (pip, from the wheel of this checkout:
the `cluster_hnviz` environment of tests/packaging_helpers.py), and the scheduler, the workers,
the Ray head and the client (the installed `hnviz` command) started from that environment in
folders of their own outside the repository, with no PYTHONPATH. Dask: a real `dask scheduler`
and two `dask worker` processes on 127.0.0.1; the client gets only `--address` (no shared output
folder: the workers send the runs back). Ray: a head node started with `ray start --head` (2
CPUs), the client attached with `--address`. A scheduler or worker that cannot import hnviz (the
test environment itself, without the install) stops the client in one line naming it, before any
run is submitted. Everything started here is in its own process group and killed at teardown.
Without dask (or ray) the tests are skipped, unless HNVIZ_SWEEP_TESTS_REQUIRED=1 (set by .ci/run).
"""

from __future__ import annotations

import importlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import hnviz
from hnviz.analysis.sweeps import SweepFileError, grid_rows, load_sweep, read_manifest
from tests.packaging_helpers import clean_env

# Real schedulers, workers and killed subprocesses: minutes, not seconds (`make test-fast` skips them).
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
LONG = 2000  # iterations per task of the runs that get killed (~2 s each: long enough to be caught)
GRID = ["--param", "train.iters_per_task", "--values", f"40,{LONG}", "--seeds", "0,1",
        "--no-lookahead", "--eval-every", "100", "--quiet"]
TIMEOUT = 240


def _require(module: str) -> None:
    try:
        importlib.import_module(module)
    except ImportError:
        if os.environ.get("HNVIZ_SWEEP_TESTS_REQUIRED") == "1":
            pytest.fail(f"{module} is not installed (HNVIZ_SWEEP_TESTS_REQUIRED=1)")
        pytest.skip(f"{module} is not installed (pip install -r requirements-dev.txt)")


def _env() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "PYTHONUNBUFFERED": "1"}


@pytest.fixture
def spawn():
    """Start processes in their own process groups; kill every group at teardown."""
    started: list[subprocess.Popen] = []

    def start(argv: list[str], cwd: Path, log: Path, installed: bool = False,
              **env: str) -> subprocess.Popen:
        """installed: a process of an installed environment (no PYTHONPATH to the checkout)."""
        base = clean_env() if installed else _env()
        with open(log, "wb") as f:
            p = subprocess.Popen(argv, cwd=cwd, env={**base, **env}, stdin=subprocess.DEVNULL,
                                 stdout=f, stderr=subprocess.STDOUT, start_new_session=True)
        started.append(p)
        return p

    yield start
    for p in started:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait(timeout=30)


def _sweep_argv(out: Path, *extra: str, hnviz_cmd: str | None = None) -> list[str]:
    """`python -m hnviz sweep` of the checkout, or an installed `hnviz` command's."""
    cmd = [hnviz_cmd] if hnviz_cmd else [sys.executable, "-m", "hnviz"]
    return [*cmd, "sweep", *GRID, "--out", str(out), *extra]


def _runs(out: Path) -> list[dict]:
    try:
        return read_manifest(out)["runs"]
    except SweepFileError:  # not written yet
        return []


def _wait_running(out: Path, seed: int, attempt: int, client: subprocess.Popen) -> dict:
    """The manifest record of the long run of `seed` once it runs its `attempt`-th time."""
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        for r in _runs(out):
            if (r["params"]["train.iters_per_task"] == LONG and r["seed"] == seed
                    and r["status"] == "running" and r["attempts"] == attempt and r.get("pid")):
                return r
        assert client.poll() is None, "the sweep ended before its long run was caught running"
        time.sleep(0.05)
    raise AssertionError("the long run never showed up running")


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        pid = _parent(pid)
    return False


def _kill(pid: int, allowed) -> None:
    """SIGKILL `pid`, after checking it is one of this test's processes."""
    assert allowed(pid), f"pid {pid} is not one of this test's worker processes"
    os.kill(pid, signal.SIGKILL)


def _finish(client: subprocess.Popen, log: Path) -> None:
    try:
        rc = client.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise AssertionError("sweep did not finish: " + log.read_text()[-2000:]) from None
    assert rc == 0, log.read_text()[-2000:]


def _check_result(out: Path, killed_seed: int) -> dict:
    d = read_manifest(out)  # parses, and is a complete grid
    assert d["status"] == "done" and len(d["runs"]) == 4
    for r in d["runs"]:
        assert r["status"] in ("ok", "failed"), r
        assert r["status"] == "ok" or r["error"], r  # a failure says why
        assert r["status"] != "ok" or (out / r["file"]).is_file()
    killed = next(r for r in d["runs"] if r["params"]["train.iters_per_task"] == LONG
                  and r["seed"] == killed_seed)
    assert killed["status"] == "ok" and killed["attempts"] == 2, killed
    s = load_sweep(out)  # the explorer's loader
    assert s.field == "train.iters_per_task" and list(s.values) == [40, LONG]
    assert len(grid_rows(d)) == 4
    return d


def _resume_trains_nothing(out: Path, spawn, tmp: Path, *extra: str, hnviz_cmd: str | None = None,
                           **env: str) -> None:
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.pt")}
    log = tmp / "resume.log"
    if hnviz_cmd:  # the installed command, from a folder of its own
        again = spawn(_sweep_argv(out, "--json", *extra, hnviz_cmd=hnviz_cmd), tmp / "client", log,
                      installed=True, **env)
    else:
        again = spawn(_sweep_argv(out, "--json", *extra), REPO, log)
    _finish(again, log)
    info = json.loads(log.read_text().strip().splitlines()[-1])
    assert info["skipped"] == 4 and info["runs"] == 4, info
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.pt")} == mtimes


def test_local_worker_killed_mid_run_is_retried_and_a_repeat_crash_is_failed(tmp_path, spawn):
    out, log = tmp_path / "out", tmp_path / "client.log"
    client = spawn(_sweep_argv(out, "--jobs", "2", "--retries", "1"), REPO, log)

    def ours(pid: int) -> bool:
        return _parent(pid) == client.pid  # a worker of this sweep

    r = _wait_running(out, seed=0, attempt=1, client=client)
    _kill(r["pid"], ours)  # once: retried on a fresh worker
    for attempt in (1, 2):  # the other long run twice: more than --retries 1 allows
        r = _wait_running(out, seed=1, attempt=attempt, client=client)
        _kill(r["pid"], ours)
    _finish(client, log)
    d = read_manifest(out)
    failed = next(r for r in d["runs"] if r["status"] == "failed")
    assert (failed["seed"], failed["error"]) == (1, "worker process died (signal 9) twice")
    assert not (out / failed["file"]).exists()
    assert sum(r["status"] == "ok" for r in d["runs"]) == 3

    # resume: the crashed run (not a deterministic failure) is trained again, nothing else
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.pt")}
    again = spawn(_sweep_argv(out, "--jobs", "2"), REPO, tmp_path / "resume1.log")
    _finish(again, tmp_path / "resume1.log")
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.pt")
            if p.name in mtimes} == mtimes
    _check_result(out, killed_seed=0)
    _resume_trains_nothing(out, spawn, tmp_path, "--jobs", "2")


def test_sigterm_leaves_a_resumable_manifest(tmp_path, spawn):
    """SIGTERM (the app's Cancel, a cluster's pre-emption) mid-sweep: exit 130, manifest
    `cancelled` with the finished runs kept and the rest pending; the same command completes
    it, training only what was missing."""
    out, log = tmp_path / "out", tmp_path / "client.log"
    client = spawn(_sweep_argv(out, "--jobs", "1"), REPO, log)
    _wait_running(out, seed=0, attempt=1, client=client)  # the short runs are done by now
    os.kill(client.pid, signal.SIGTERM)
    assert client.wait(timeout=60) == 130, log.read_text()[-2000:]
    d = read_manifest(out)
    assert d["status"] == "cancelled"
    assert [r["status"] for r in d["runs"]] == ["ok", "ok", "pending", "pending"]
    assert sorted(p.name for p in out.glob("*.pt")) == ["iters_per_task=40_seed=0.pt",
                                                        "iters_per_task=40_seed=1.pt"]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left
    again = spawn(_sweep_argv(out, "--jobs", "2", "--json"), REPO, tmp_path / "resume.log")
    _finish(again, tmp_path / "resume.log")
    info = json.loads((tmp_path / "resume.log").read_text().strip().splitlines()[-1])
    assert (info["skipped"], info["ok"], info["status"]) == (2, 4, "done")


def _dask(python: str) -> list[str]:
    """The `dask` command of the environment of `python` (its console script's entry point)."""
    return [python, "-m", "dask"]


def _start_dask_cluster(tmp: Path, spawn, scheduler_python: str, worker_pythons: dict[str, str]
                        ) -> tuple[str, dict[str, subprocess.Popen]]:
    """`dask scheduler` and one `dask worker` per name, each from the environment of its python
    (an installed hnviz, or the bare test environment), in a folder of its own."""
    sched_dir = tmp / "scheduler"
    sched_dir.mkdir()
    spawn([*_dask(scheduler_python), "scheduler", "--host", "127.0.0.1", "--port", "0",
           "--no-dashboard", "--scheduler-file", str(sched_dir / "scheduler.json")], sched_dir,
          sched_dir / "log", installed=True)
    deadline = time.time() + 60
    while not (sched_dir / "scheduler.json").is_file():
        assert time.time() < deadline, (sched_dir / "log").read_text()
        time.sleep(0.2)
    time.sleep(0.2)  # the file is written in one go, but give it a moment
    address = json.loads((sched_dir / "scheduler.json").read_text())["address"]
    assert address.startswith("tcp://127.0.0.1:")
    workers = {}
    for name, python in worker_pythons.items():
        wdir = tmp / name  # its own working folder
        wdir.mkdir()
        workers[name] = spawn([*_dask(python), "worker", address, "--name", name, "--nthreads",
                               "1", "--no-nanny", "--no-dashboard", "--local-directory",
                               str(wdir)], wdir, wdir / "log", installed=True)
    return address, workers


def _wait_workers(address: str, n: int) -> None:
    from distributed import Client

    with Client(address, timeout=60, set_as_default=False) as c:
        c.wait_for_workers(n, timeout=120)


def test_dask_cluster_worker_killed_mid_run(tmp_path, spawn, cluster_hnviz):
    _require("distributed")
    env = cluster_hnviz
    address, workers = _start_dask_cluster(tmp_path, spawn, env.python,
                                           {"w1": env.python, "w2": env.python})
    out, log = tmp_path / "out", tmp_path / "client.log"
    (tmp_path / "client").mkdir()
    argv = _sweep_argv(out, "--backend", "dask", "--address", address, hnviz_cmd=env.hnviz)
    _wait_workers(address, 2)  # (the version check looks at the workers there when it starts)
    client = spawn(argv, tmp_path / "client", log, installed=True)

    pids = {w.pid: name for name, w in workers.items()}
    r = _wait_running(out, seed=0, attempt=1, client=client)
    _kill(r["pid"], pids.__contains__)  # a dask worker process holding a run
    killed = pids[r["pid"]]
    assert r["worker"] == killed
    _finish(client, log)

    d = _check_result(out, killed_seed=0)
    assert d["backend"] == "dask" and d["address"] == address
    run = next(r for r in d["runs"] if r["params"]["train.iters_per_task"] == LONG
               and r["seed"] == 0)
    assert run["worker"] != killed  # run again on the surviving worker
    for name in workers:  # the workers wrote no run files: the client did
        assert not list((tmp_path / name).rglob("*.pt"))
    _resume_trains_nothing(out, spawn, tmp_path, "--backend", "dask", "--address", address,
                           hnviz_cmd=env.hnviz)


def _refused(out: Path, log: Path, client: subprocess.Popen) -> str:
    """The client's one-line refusal; nothing was submitted, the manifest is resumable."""
    assert client.wait(timeout=TIMEOUT) == 1, log.read_text()[-3000:]
    lines = [ln for ln in log.read_text().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    d = read_manifest(out)
    assert d["status"] == "error" and d["error"] in lines[0]
    assert all(r["status"] == "pending" and not r["attempts"] for r in d["runs"])
    return lines[0]


def test_dask_nodes_without_hnviz_stop_the_sweep_in_one_line(tmp_path, spawn, cluster_hnviz):
    """A scheduler, then a worker, started from an environment without hnviz (what
    docs/SWEEPS.md's commands gave before hnviz could be installed: every run `failed` with a
    deserialization error)."""
    _require("distributed")
    env, bare = cluster_hnviz, sys.executable  # the test environment: no hnviz without a path
    want = f"install hnviz {hnviz.__version__} with torch "
    for case, scheduler, worker in (("scheduler", bare, None), ("worker", env.python, bare)):
        tmp = tmp_path / case
        tmp.mkdir()
        (tmp / "client").mkdir()
        address, _ = _start_dask_cluster(tmp, spawn, scheduler, {"w2": worker} if worker else {})
        if worker:
            _wait_workers(address, 1)
        out, log = tmp / "out", tmp / "client.log"
        client = spawn(_sweep_argv(out, "--backend", "dask", "--address", address,
                                   hnviz_cmd=env.hnviz), tmp / "client", log, installed=True)
        line = _refused(out, log, client)
        node = (f"the dask scheduler at {address}" if case == "scheduler"
                else "dask worker w2 (tcp://127.0.0.1:")
        assert line.startswith(f"error: {node}"), line
        assert "cannot import hnviz (ModuleNotFoundError: No module named 'hnviz')" in line
        assert want in line and "pip install 'hnviz[cluster]'" in line


@pytest.fixture
def ray_tmp():
    """Ray's session files (logs, sockets) in a short-lived folder of this test, not /tmp/ray
    (a short path: Ray's unix sockets must fit 107 characters)."""
    folder = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _start_ray_head(tmp: Path, spawn, python: str, auth: dict[str, str]
                    ) -> tuple[str, subprocess.Popen]:
    """`ray start --head` from the environment of `python` (its `ray` command's entry point);
    its workers run that Python."""
    head_log = tmp / "ray-head.log"
    head = spawn([python, "-m", "ray.scripts.scripts", "start", "--head", "--port=0",
                  "--node-ip-address=127.0.0.1", "--num-cpus=2", "--include-dashboard=false",
                  "--disable-usage-stats"], tmp, head_log, installed=True, **auth)
    assert head.wait(timeout=120) == 0, head_log.read_text()[-2000:]
    port = re.search(r"ray start --address='[^':]+:(\d+)'", head_log.read_text()).group(1)
    return f"127.0.0.1:{port}", head  # localhost only


def test_ray_cluster_worker_killed_mid_run(tmp_path, spawn, ray_tmp, cluster_hnviz):
    _require("ray")
    env = cluster_hnviz
    # token authentication, with a token of this test (not ~/.ray/auth_token) on both sides
    auth = {"RAY_TMPDIR": ray_tmp, "RAY_AUTH_MODE": "token",
            "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    address, head = _start_ray_head(tmp_path, spawn, env.python, auth)
    out, log = tmp_path / "out", tmp_path / "client.log"
    (tmp_path / "client").mkdir()
    client = spawn(_sweep_argv(out, "--backend", "ray", "--address", address,
                               hnviz_cmd=env.hnviz), tmp_path / "client", log, installed=True,
                   **auth)

    def ours(pid: int) -> bool:  # a worker started by the raylet of the cluster of this test
        while pid > 1:
            if os.getpgid(pid) == head.pid:
                return True
            pid = _parent(pid)
        return False

    r = _wait_running(out, seed=0, attempt=1, client=client)
    _kill(r["pid"], ours)
    _finish(client, log)
    d = _check_result(out, killed_seed=0)
    assert d["backend"] == "ray" and d["address"] == address
    _resume_trains_nothing(out, spawn, tmp_path, "--backend", "ray", "--address", address,
                           hnviz_cmd=env.hnviz, **auth)
    assert d["runs"][0]["worker"].count("/") == 1  # node/pid
    os.killpg(head.pid, signal.SIGKILL)  # the whole cluster (what teardown does anyway)
    time.sleep(2)
    assert _processes_mentioning(ray_tmp) == []


def _processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that contain `text` (e.g. Ray's session folder)."""
    out = []
    for cmd in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            line = cmd.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in line and "pytest" not in line:
            out.append(line[:200])
    return out


def test_ray_node_without_hnviz_stops_the_sweep_in_one_line(tmp_path, spawn, ray_tmp,
                                                            cluster_hnviz):
    _require("ray")
    auth = {"RAY_TMPDIR": ray_tmp, "RAY_AUTH_MODE": "token",
            "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    address, head = _start_ray_head(tmp_path, spawn, sys.executable, auth)  # no hnviz there
    out, log = tmp_path / "out", tmp_path / "client.log"
    (tmp_path / "client").mkdir()
    client = spawn(_sweep_argv(out, "--backend", "ray", "--address", address,
                               hnviz_cmd=cluster_hnviz.hnviz), tmp_path / "client", log,
                   installed=True, **auth)
    line = _refused(out, log, client)
    assert re.match(r"error: ray node \S+ \([0-9a-f]{8}\) cannot import hnviz "
                    r"\(ModuleNotFoundError: No module named 'hnviz'\); install hnviz ", line), line
    assert "pip install 'hnviz[cluster]'" in line
    os.killpg(head.pid, signal.SIGKILL)
