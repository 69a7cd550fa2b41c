"""What a user names is shown as text: run names from links (`?run=`, `?runs=`), sweep names
(`?sweep=`), uploaded runs' names and link values never become Markdown (a clickable link, an
image the visitor's browser fetches) or Plotly HTML; long values are cut; an out-of-range value
is named in a note; error messages carry no server path or user id (issue 22)."""

from __future__ import annotations

import io
import json
import re

import pytest
import torch

from hnviz.core.io import run_to_bytes
from hnviz.core.presets import default_config
from hnviz.core.trainer import Trainer
from hnviz.serve.userstore import UserStore, user_id
from hnviz.ui import text
from tests.apptest_helpers import open_app, workspace

LINK = "[Log in again here](https://evil.example/login)"
IMAGE = "![t](http://127.0.0.1:9/pixel.png)"
KINDS = ("markdown", "caption", "info", "warning", "error", "success", "title", "header",
         "subheader")


def shown(at) -> list[str]:
    """Every Markdown string of the page (what Streamlit renders as Markdown)."""
    return [e.value for kind in KINDS for e in getattr(at, kind)]


def assert_as_text(at, *names: str) -> None:
    """Each name appears, escaped, and never raw, in the page's Markdown."""
    bodies = shown(at)
    for name in names:
        assert not [b for b in bodies if name in b], name
        assert any(text.md(name) in b for b in bodies), (name, bodies)


def test_markdown_escape_leaves_nothing_to_render():
    for s in (LINK, IMAGE, ":red[x] $x^2$ <b>x</b> **x** `x` www.evil.example a@b.example",
              "# heading", "1. item", "- item"):
        out = text.md(s)
        for i, ch in enumerate(out):  # every special character is escaped
            if ch in "[]<>*`$@#":
                assert out[i - 1] == "\\", (s, out)
        assert "www." not in out and re.search(r"(?<!\\):/", out) is None
    assert text.md("x" * 500, 40) == "x" * 39 + "…"
    assert text.md("a\nb\rc\u2028d") == "a b c d"
    assert text.md("target_hidden=-1: kept") == "target_hidden=-1: kept"  # nothing to start
    assert text.html("<a href='x'>y</a>") == "&lt;a href=&#x27;x&#x27;&gt;y&lt;/a&gt;"


def test_run_names_in_links_are_text():
    at = open_app("pages/2_Forgetting.py", runs=f"{LINK}|{IMAGE}")
    assert_as_text(at, LINK, IMAGE)
    at = open_app("pages/2_Forgetting.py", run=LINK)
    assert_as_text(at, LINK)


def test_sweep_names_and_out_of_range_values_on_the_explorer():
    at = open_app("pages/7_Beta_explorer.py", sweep=IMAGE, beta="1e308")
    assert_as_text(at, IMAGE)
    warnings = [w.value for w in at.warning]
    assert any("beta=1e+308 is outside its range" in w and "showing the nearest value" in w
               for w in warnings), warnings


def test_a_long_link_value_is_cut():
    at = open_app("pages/1_Train.py", benchmark="b" * 100_000)
    warnings = [w.value for w in at.warning]
    assert any("is unknown" in w for w in warnings), warnings
    assert all(len(w) < 600 for w in warnings), [len(w) for w in warnings]


@pytest.fixture(scope="module")
def hostile_run() -> bytes:
    t = Trainer(default_config("split-digits", "hnet").replace(
        train={"iters_per_task": 4, "eval_every": 2}))
    t.advance(4)
    return run_to_bytes(t, {"name": LINK})


def test_an_uploaded_runs_name_is_text(hostile_run):
    at = open_app("pages/1_Train.py")
    ws = workspace(at)
    h = ws.add_file(hostile_run, "upload", "upload")
    at.session_state["hnviz.active"] = h.run_id
    at.run()
    assert not at.exception
    at.switch_page("pages/2_Forgetting.py").run()
    assert_as_text(at, LINK)
    at.switch_page("pages/5_Embedding_space.py").run()
    assert_as_text(at, LINK)


def test_a_failed_save_names_no_server_path_or_user(monkeypatch):
    at = open_app("pages/1_Train.py")
    ws = workspace(at)
    uid = user_id(at.session_state["hnviz.ui.user_token"])

    def disk_full(self, name, data, overwrite=False):
        raise OSError(28, "No space left on device", str(self.saved / "x.pt"))

    monkeypatch.setattr(UserStore, "save", disk_full)
    at.button(key="train.save").click().run()
    errors = [e.value for e in at.error]
    assert any("No space left on device" in e for e in errors), errors
    for e in errors:
        assert uid not in e and str(ws.store.root) not in e and "/users/" not in e, e


def test_with_meta_keeps_everything_else(hostile_run):
    from hnviz.core.io import read_run_dict, with_meta

    out = with_meta(hostile_run, name="saved")
    a, b = read_run_dict(hostile_run), read_run_dict(out)
    assert b["meta"]["name"] == "saved" and a["config"] == b["config"]
    assert a["history"] == b["history"]
    sa = torch.load(io.BytesIO(hostile_run), weights_only=True)["state"]["method"]
    sb = torch.load(io.BytesIO(out), weights_only=True)["state"]["method"]
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert json.loads(json.dumps(b["meta"]))["name"] == "saved"
