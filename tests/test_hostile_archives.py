"""Run files crafted at the archive level: a zip bomb (an entry stored DEFLATE-compressed that
inflates ~1000:1), entries that declare more than the file holds, and tensors or histories far
larger than their config implies. Each is refused from the archive's central directory and the
pickle's declarations, before `torch.load` reads (or inflates) anything; a 1 MB bomb costs the
CLI's `info` and the server's upload path no more memory than a good file."""

from __future__ import annotations

import ast
import collections
import io
import os
import pickle
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
import torch

import hnviz.core.io as run_io
from hnviz.core.io import RunFileError, load_run, read_run_dict, run_to_bytes
from hnviz.core.presets import default_config
from hnviz.core.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]
_LOAD = torch.load  # the tests' own reads, whatever `no_torch_load` patches
RSS_MARGIN_MB = 300  # issue 22: a bomb costs at most this much more than a good file


@pytest.fixture(scope="module")
def good() -> bytes:
    t = Trainer(default_config("regression1d", "hnet").replace(
        train={"iters_per_task": 20, "eval_every": 10}))
    t.advance(23)
    return run_to_bytes(t)


@pytest.fixture
def no_torch_load(monkeypatch):
    """torch.load must not be reached: the file is refused from its declarations."""
    def never(*a, **k):
        raise AssertionError("torch.load was called on a file that should be refused unread")

    monkeypatch.setattr(run_io.torch, "load", never)


class _Storage:
    def __init__(self, key: str, numel: int):
        self.key, self.numel = key, numel


class _Tensor:
    """Pickles as torch.save pickles a contiguous float tensor of `numel` elements."""

    def __init__(self, storage: _Storage, shape: tuple[int, ...]):
        self.storage, self.shape = storage, shape

    def __reduce__(self):
        stride = tuple(int(torch.tensor(self.shape[i + 1:]).prod()) for i in
                       range(len(self.shape)))
        return (torch._utils._rebuild_tensor_v2,
                (self.storage, 0, self.shape, stride, False, collections.OrderedDict()))


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            return ("storage", torch.FloatStorage, obj.key, "cpu", obj.numel)
        return None


def bomb(good: bytes, inflated_mb: int) -> bytes:
    """`good` (same config, history, state) whose HNET snapshot declares [`inflated_mb` MB of
    float32 / (4 · P), P]: a consistent torch file, except that its storage is stored DEFLATE-
    compressed, zeros, ~1000:1 (written in chunks: the test never holds the inflated bytes)."""
    raw = _LOAD(io.BytesIO(good), weights_only=True)
    entries: dict[str, bytes] = {}

    def proxy(obj):
        if isinstance(obj, torch.Tensor):
            t = obj.detach().contiguous().clone()
            key = str(len(entries))
            entries[key] = t.numpy().tobytes()
            assert t.dtype == torch.float32
            return _Tensor(_Storage(key, t.numel()), tuple(t.shape))
        if isinstance(obj, dict):
            return type(obj)((k, proxy(v)) for k, v in obj.items())
        if isinstance(obj, list):
            return [proxy(v) for v in obj]
        return obj

    state = proxy(raw["state"])
    P = raw["state"]["method"]["snapshot"].shape[1]
    rows = inflated_mb * 2**20 // (4 * P)
    state["method"]["snapshot"] = _Tensor(_Storage("bomb", rows * P), (rows, P))
    buf = io.BytesIO()
    _Pickler(buf, protocol=2).dump({**raw, "state": state})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("archive/data.pkl", buf.getvalue())
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/version", "3\n")
        for key, data in entries.items():
            z.writestr(f"archive/data/{key}", data)
        info = zipfile.ZipInfo("archive/data/bomb")
        info.compress_type = zipfile.ZIP_DEFLATED
        chunk, left = bytes(2**20), rows * P * 4
        with z.open(info, "w", force_zip64=True) as f:
            while left > 0:
                f.write(chunk[:left])
                left -= len(chunk)
    return out.getvalue()


def _largest_storage(z: zipfile.ZipFile) -> str:
    return max((i for i in z.infolist() if "/data/" in i.filename),
               key=lambda i: i.file_size).filename


def test_a_compressed_entry_is_refused_unread(good, no_torch_load):
    data = bomb(good, 64)
    assert len(data) < 2**20
    with pytest.raises(RunFileError, match=r"^not a readable hnviz run file: its archive holds "
                                           r"compressed entries"):
        read_run_dict(data)
    with pytest.raises(RunFileError, match=r"compressed entries"):
        load_run(data)


def _set_declared_size(data: bytes, name: str, size: int) -> bytes:
    """Patch the central directory's sizes of entry `name` (both compressed and not)."""
    b = bytearray(data)
    pos = 0
    while True:
        at = b.find(b"PK\x01\x02", pos)
        assert at >= 0, name
        n = struct.unpack_from("<H", b, at + 28)[0]
        if b[at + 46: at + 46 + n].decode() == name:
            struct.pack_into("<II", b, at + 20, size, size)
            return bytes(b)
        pos = at + 4


def test_entries_declaring_more_than_the_file_are_refused(good, no_torch_load):
    name = _largest_storage(zipfile.ZipFile(io.BytesIO(good)))
    data = _set_declared_size(good, name, 2**31)
    with pytest.raises(RunFileError, match=r"declares entries larger than the file"):
        read_run_dict(data)


def test_tensors_beyond_what_the_config_holds_are_refused_unread(good, no_torch_load):
    raw = _LOAD(io.BytesIO(good), weights_only=True)
    raw["state"]["method"]["snapshot"] = torch.zeros(4000, 1000)  # the toy's run holds ~50 KB
    buf = io.BytesIO()
    torch.save(raw, buf)
    with pytest.raises(RunFileError, match=r"tensors take 15\.\d MB, more than the "
                                           r"[\d.]+ MB a run of its config holds"):
        read_run_dict(buf.getvalue())


def test_a_storage_that_does_not_match_its_tensor_is_refused(good, no_torch_load):
    src = zipfile.ZipFile(io.BytesIO(good))
    target = _largest_storage(src)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            z.writestr(item, src.read(item.filename) * (2 if item.filename == target else 1))
    with pytest.raises(RunFileError, match=r"storage does not match the archive"):
        read_run_dict(out.getvalue())


def test_pickled_objects_are_refused_by_the_skeleton_too(good, no_torch_load):
    from tests.test_hostile_runfiles import _evil_zip

    with pytest.raises(RunFileError, match=r"refused for safety"):
        read_run_dict(_evil_zip())


def test_only_the_run_file_reader_calls_torch_load():
    """One path: uploads, `info`, sweeps, live workers and saving under a name all read run
    files through `io.read_run_dict`."""
    calls = []
    for p in (ROOT / "hnviz").rglob("*.py"):
        for node in ast.walk(ast.parse(p.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "load" and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "torch"):
                calls.append(f"{p.relative_to(ROOT)}:{node.lineno}")
    assert len(calls) == 1 and calls[0].startswith("hnviz/core/io.py:"), calls


# ------------------------------------------------------------------ peak memory, in processes
def _peak_rss_mb(argv: list[str], env: dict | None = None) -> tuple[int, float, str]:
    """(exit status, peak RSS in MB, stderr) of a child process."""
    p = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env={**os.environ, **(env or {})})
    err = p.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, usage.ru_maxrss / 1024, err


@pytest.fixture(scope="module")
def files(good, tmp_path_factory):
    d = tmp_path_factory.mktemp("bomb")
    (d / "good.pt").write_bytes(good)
    data = bomb(good, 1024)  # ~1 GB when inflated
    assert len(data) < 1.1 * 2**20, len(data)
    (d / "bomb.pt").write_bytes(data)
    return d


@pytest.mark.slow
def test_info_on_a_zip_bomb_costs_no_more_than_on_a_good_file(files):
    rc_good, rss_good, _ = _peak_rss_mb([sys.executable, "-m", "hnviz", "info",
                                         str(files / "good.pt")])
    rc, rss, err = _peak_rss_mb([sys.executable, "-m", "hnviz", "info", str(files / "bomb.pt")])
    assert rc_good == 0
    assert rc == 2 and "compressed entries" in err and err.count("\n") == 1, err
    print(f"peak RSS: good file {rss_good:.0f} MB, zip bomb {rss:.0f} MB")
    assert rss <= rss_good + RSS_MARGIN_MB, (rss, rss_good)


SERVER = textwrap.dedent("""
    import sys
    from hnviz.core.io import RunFileError
    from hnviz.core.limits import app_limits
    from hnviz.serve.userstore import UserStore
    from hnviz.serve.workspace import Workspace
    token = "t" * 32
    ws = Workspace(token, UserStore(sys.argv[2], token), lambda: None)
    try:
        ws.add_file(open(sys.argv[1], "rb").read(), "upload", "upload", limits=app_limits())
    except RunFileError as e:
        print(e, file=sys.stderr)
        sys.exit(2)
""")


@pytest.mark.slow
def test_an_uploaded_zip_bomb_costs_the_server_no_more_than_a_good_file(files, tmp_path):
    argv = [sys.executable, "-c", SERVER]
    rc_good, rss_good, err = _peak_rss_mb(argv + [str(files / "good.pt"), str(tmp_path)])
    assert rc_good == 0, err
    rc, rss, err = _peak_rss_mb(argv + [str(files / "bomb.pt"), str(tmp_path)])
    assert rc == 2 and "compressed entries" in err, err
    print(f"peak RSS: good file {rss_good:.0f} MB, zip bomb {rss:.0f} MB")
    assert rss <= rss_good + RSS_MARGIN_MB, (rss, rss_good)
