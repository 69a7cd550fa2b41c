"""The Paper page in AppTest, reading a bundle the test made (tests/paper_helpers.py) through
$HNVIZ_PAPER_DIR: rows, the paper's numbers next to the measured ones, Train links with the
configuration, the sweep behind a row, and a clear message for a missing or corrupt table."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from hnviz.reproduce.table import method_name, read_table
from hnviz.ui.paper.layout import MAKE_COMMAND, PAPER_ENV
from tests.apptest_helpers import open_app
from tests.paper_helpers import FAILED_REASON, PAPER, SEEDS, SOURCE, bundle

PAGE = "pages/9_Paper.py"


@pytest.fixture
def paper_dir(monkeypatch):
    folder, _ = bundle()
    monkeypatch.setenv(PAPER_ENV, str(folder))
    return folder


def _texts(at) -> str:
    parts = [*(c.value for c in at.caption), *(m.value for m in at.markdown),
             *(w.value for w in at.warning), *(e.value for e in at.error)]
    return "\n".join(map(str, parts))


def test_page_shows_the_rows_with_the_paper_next_to_the_measurement(paper_dir):
    at = open_app(PAGE)
    assert at.selectbox(key="paper.exp").value == "split-digits"
    assert at.query_params["exp"] == "split-digits"
    df = at.dataframe[0].value
    t = read_table(paper_dir / "table.json")
    rows = t.rows_of("split-digits")
    assert len(df) == len(rows)
    assert list(df["scenario"]) == [r["scenario"].upper() for r in rows]
    assert list(df["method"]) == [method_name(r) for r in rows]  # HNET+ENT where inferred
    first = df.iloc[0]
    assert first["paper"] == f"{PAPER.value:.2f} ± {PAPER.spread:.2f} [1]"
    assert first["measured"] == f"{rows[0]['mean']:.2f} ± {rows[0]['spread']:.2f}"
    assert df.iloc[3]["status"] == f"failed: {FAILED_REASON}"
    assert df.iloc[2]["task inferred %"] == f"{rows[2]['task_inference_acc']:.1f}"
    assert list(df.columns)[-2:] == ["Train", "configuration"]
    texts = _texts(at)
    assert f"[1] {SOURCE}" in texts
    assert "lite** configuration · 4 rows: 3 ok, 1 failed" in texts
    assert len(at.get("plotly_chart")) == 1
    assert not at.exception


def test_each_row_links_to_the_train_page_with_its_configuration(paper_dir):
    at = open_app(PAGE)
    df = at.dataframe[0].value
    for (_, row), r in zip(df.iterrows(), read_table(paper_dir / "table.json").rows):
        url = urlsplit(row["Train"])
        assert url.path == "Train"
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        assert q["benchmark"] == "split-digits" and q["method"] == r["method"]
        assert q["scenario"] == r["scenario"] and q["iters"] == "10" and q["seed"] == "0"


def test_a_row_shows_its_sweep_points_and_a_train_link_per_seed(paper_dir):
    at = open_app(PAGE)
    at.selectbox(key="paper.row.split-digits").set_value(2).run()  # CL3 · HNET
    assert not at.exception
    links = at.get("page_link")
    train = [p for p in links if p.proto.label.startswith("Train · seed")]
    assert [p.proto.label for p in train] == [f"Train · seed {s}" for s in SEEDS]
    for p, seed in zip(train, SEEDS):
        q = {k: v[0] for k, v in parse_qs(p.proto.query_string).items()}
        assert p.proto.page == "Train"
        assert (q["benchmark"], q["method"], q["scenario"], q["iters"], q["seed"]) == (
            "split-digits", "hnet", "cl3", "10", str(seed))
    points = at.dataframe[1].value  # this row's points in the manifest
    assert len(points) == len(SEEDS)
    assert set(points["method"]) == {"hnet"} and set(points["task.scenario"]) == {"cl3"}
    assert set(points["status"]) == {"ok"}
    assert "task.scenario ∈ {cl1, cl3} × seeds 0, 1" in _texts(at)


def test_not_run_experiment_from_a_link(paper_dir):
    at = open_app(PAGE, exp="split-mnist")
    assert at.selectbox(key="paper.exp").value == "split-mnist"
    df = at.dataframe[0].value
    assert set(df["measured"]) == {"not run"}
    assert set(df["status"]) == {"not run: no MNIST here (test)"}
    assert "99.79 (unverified) [1]" in list(df["paper"])
    assert len(at.get("plotly_chart")) == 0  # nothing measured: no chart
    assert all(isinstance(u, str) and "benchmark=split-mnist" in u for u in df["Train"])


def test_an_experiment_the_table_lacks_is_listed_as_not_run_here(paper_dir, monkeypatch):
    from hnviz.reproduce.experiments import EXPERIMENTS

    monkeypatch.setenv("HNVIZ_DATA", str(paper_dir / "no-data-here"))
    at = open_app(PAGE)
    assert list(at.selectbox(key="paper.exp").options) == [
        "Split Digits (8×8; the CPU-sized stand-in for Split MNIST)", "Split MNIST",
        *(EXPERIMENTS[n].label for n in EXPERIMENTS if n not in ("split-digits",
                                                                  "split-mnist"))]
    at = open_app(PAGE, exp="permuted-mnist")
    assert not at.exception and at.selectbox(key="paper.exp").value == "permuted-mnist"
    df = at.dataframe[0].value
    assert set(df["measured"]) == {"not run"} and len(df) == 21
    assert all(s.startswith("not run: not in this table, and MNIST not found under")
               for s in df["status"])
    assert "97.57 (unverified) [1]" in list(df["paper"])
    assert any(c.value.startswith("python -m hnviz reproduce --experiment permuted-mnist")
               for c in at.code)


@pytest.mark.parametrize("value", ["nope", "<script>alert(1)</script>" * 200, "../" * 50])
def test_unknown_experiment_in_the_link_is_reported(paper_dir, value):
    at = open_app(PAGE, exp=value)
    assert at.selectbox(key="paper.exp").value == "split-digits"
    (note,) = [w.value for w in at.warning if "is not in the table" in w.value]
    assert note.startswith(f"Link: exp={value[:40]} is not in the table") and len(note) < 200
    assert at.query_params["exp"] == "split-digits"  # the address bar shows the view again


@pytest.mark.parametrize("content", [None, "{corrupt", '{"format": "hnviz-sweep"}'])
def test_missing_or_corrupt_table_is_a_message_with_the_command(tmp_path, monkeypatch,
                                                                 content):
    if content is not None:
        (tmp_path / "table.json").write_text(content)
    monkeypatch.setenv(PAPER_ENV, str(tmp_path))
    at = open_app(PAGE)
    assert not at.exception and not at.error
    assert any("No reproduction table to show" in w.value for w in at.warning)
    assert any(c.value == MAKE_COMMAND for c in at.code)
    assert str(tmp_path) not in _texts(at)


def test_unreadable_manifest_falls_back_to_the_registry(tmp_path, monkeypatch):
    import shutil

    folder, _ = bundle()
    shutil.copytree(folder, tmp_path / "b")
    (tmp_path / "b" / "split-digits" / "sweep.json").write_text("{")
    monkeypatch.setenv(PAPER_ENV, str(tmp_path / "b"))
    at = open_app(PAGE)
    assert not at.exception
    assert any("cannot be read" in w.value for w in at.warning)
    df = at.dataframe[0].value
    assert all("benchmark=split-digits" in u for u in df["Train"])
