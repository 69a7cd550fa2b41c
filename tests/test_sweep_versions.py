"""The check a sweep makes before it goes to a cluster (hnviz/sweeps/versions.py): every node must
import the client's hnviz and torch. The comparison is pure; the probe is sent by value, so it
runs in a Python that cannot import hnviz. The real clusters: tests/test_sweep_crash.py."""

from __future__ import annotations

import pickle
import subprocess
import sys

import cloudpickle
import torch

import hnviz
from hnviz.sweeps import versions

HERE = {"python": "3.11.9", "host": "client", "hnviz": "0.1.0", "torch": "2.14.1",
        "engine": "0.1.0"}


def node(**over):
    return {**HERE, "host": "node", **over}


def test_probe_reports_what_this_process_imports():
    info = versions.probe()
    assert info["hnviz"] == hnviz.__version__ and info["torch"] == torch.__version__
    assert info["engine"] and info["python"].startswith(f"{sys.version_info[0]}.")
    assert versions.mismatch(info, {"itself": dict(info)}) is None


def test_mismatch_names_the_first_node_and_what_it_lacks_in_one_line():
    ok = node()
    assert versions.mismatch(HERE, {"a": ok, "b": ok}) is None
    cases = {
        "cannot import hnviz (ModuleNotFoundError: No module named 'hnviz')":
            node(hnviz=None, hnviz_error="ModuleNotFoundError: No module named 'hnviz'",
                 engine=None),
        "cannot import torch": node(torch=None),
        "has hnviz 0.0.9 with torch 2.14.1, this client hnviz 0.1.0 with torch 2.14.1":
            node(hnviz="0.0.9"),
        "has hnviz 0.1.0 with torch 2.4.0": node(torch="2.4.0"),
        "imports hnviz 0.1.0 but not its sweep code (ModuleNotFoundError: No module named "
        "'sklearn')": node(engine=None, engine_error="ModuleNotFoundError: No module named "
                                                    "'sklearn'"),
        "runs Python 3.12.1, this client 3.11.9": node(python="3.12.1"),
        "could not run the version check there (OSError: timed out)": OSError("timed out"),
    }
    for what, info in cases.items():
        msg = versions.mismatch(HERE, {"the dask scheduler at tcp://a:8786": ok,
                                       "dask worker w2 (tcp://b:1)": info})
        assert msg.startswith(f"dask worker w2 (tcp://b:1) {what}"), msg
        assert "\n" not in msg
        if "Python" not in what:
            assert "pip install 'hnviz[cluster]'" in msg  # and how to fix it
    bad = node(hnviz=None)
    msg = versions.mismatch(HERE, {"s": bad, "w1": ok, "w2": bad, "w3": bad})
    assert msg.startswith("s cannot import hnviz") and msg.endswith("(and 2 more nodes)")


def test_the_probe_travels_by_value_and_runs_where_hnviz_is_missing(tmp_path):
    versions.by_value(cloudpickle)
    blob = cloudpickle.dumps(versions.probe)
    assert pickle.loads(blob)()["hnviz"] == hnviz.__version__  # here: our hnviz
    # a Python that sees no hnviz (no PYTHONPATH, a working folder without it, -P)
    r = subprocess.run([sys.executable, "-P", "-c",
                        "import pickle, sys; print(pickle.loads(sys.stdin.buffer.read())())"],
                       input=blob, cwd=tmp_path, capture_output=True, timeout=120,
                       env={"PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr.decode()
    info = eval(r.stdout.decode())  # a dict literal of strings and None
    assert info["hnviz"] is None and "No module named 'hnviz'" in info["hnviz_error"]
    assert info["torch"] == torch.__version__  # the environment has torch, not hnviz
    assert "cannot import hnviz" in versions.mismatch(versions.probe(), {"n": info})
