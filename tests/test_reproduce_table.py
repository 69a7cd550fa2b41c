"""The reproduction table read back for the Paper page (hnviz.reproduce.table), its Train links
(hnviz.ui.paper.links) and its chart (hnviz.ui.paper.figures), on a bundle made by a real tiny
sweep (tests/paper_helpers.py)."""

from __future__ import annotations

import json
import shutil

import pytest

from hnviz.analysis.sweeps import SweepFileError
from hnviz.reproduce.run import TABLE_FORMAT, base_configs, write_bundle, write_table
from hnviz.reproduce.table import (
    TableError,
    display_rows,
    experiment_names,
    manifest_runs,
    read_row_manifest,
    read_table,
    row_config,
    seeds_of,
)
from hnviz.sweeps.grid import make_grid
from hnviz.ui.paper.figures import comparison_fig
from hnviz.ui.paper.links import not_carried, train_href, train_params
from hnviz.ui.url import config as urlstate
from tests.paper_helpers import FAILED_REASON, PAPER, SEEDS, SOURCE, bundle, tiny_experiment


@pytest.fixture(scope="module")
def table():
    folder, _ = bundle()
    return folder, read_table(folder / "table.json")


def _row(rows, scenario, method):
    return next(r for r in rows if r["scenario"] == scenario and r["method"] == method)


def test_read_table_round_trip(table):
    folder, t = table
    _, written = bundle()
    assert t.configuration == "lite" and not t.full
    assert experiment_names(t.rows) == ["split-digits", "split-mnist"]
    assert len(t.rows) == len(written)
    assert [r["sweep"] for r in t.rows_of("split-digits")] == ["split-digits/sweep.json"] * 4
    assert (folder / "split-digits" / "sweep.json").exists()


def test_bundling_one_experiment_keeps_the_other_experiments_rows(tmp_path):
    """`reproduce --experiment X --bundle DIR` replaces X's rows in DIR/table.json and keeps the
    rows of every other experiment there (in their place); a table of the other configuration
    (full against lite) is not merged."""
    folder, written = bundle()
    dest = tmp_path / "bundle"
    shutil.copytree(folder, dest)
    mnist = [dict(r, sweep=None) for r in written if r["experiment"] == "split-mnist"]
    rerun = [dict(r, mean=12.5) for r in mnist]
    write_bundle(rerun, dest, False)
    rows = read_table(dest / "table.json").rows
    assert experiment_names(rows) == ["split-digits", "split-mnist"]
    assert [r["mean"] for r in rows if r["experiment"] == "split-mnist"] == [12.5] * len(mnist)
    assert len(rows) == len(written)
    assert (dest / "split-digits" / "sweep.json").exists()
    write_bundle(rerun, dest, True)  # full: the lite rows are not mixed in
    assert experiment_names(read_table(dest / "table.json").rows) == ["split-mnist"]


@pytest.mark.parametrize("content, words", [
    (None, "there is no table.json"),
    (b"{not json", "not readable JSON"),
    (b"\xff\xfe", "not readable JSON"),
    (json.dumps({"format": "other", "rows": []}).encode(), "not a reproduction table"),
    (json.dumps({"format": TABLE_FORMAT, "version": 99, "rows": [{}]}).encode(), "newer"),
    (json.dumps({"format": TABLE_FORMAT, "version": 1, "rows": []}).encode(), "no rows"),
    (json.dumps({"format": TABLE_FORMAT, "version": 1, "rows": [3]}).encode(),
     "row 1 is not an object"),
    (json.dumps({"format": TABLE_FORMAT, "version": 1,
                 "rows": [{"experiment": "x", "scenario": "cl1"}]}).encode(),
     "row 1 has no benchmark, method, metric, status"),
])
def test_bad_tables_are_one_line_errors(tmp_path, content, words):
    path = tmp_path / "table.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(TableError, match=words) as e:
        read_table(path)
    assert "\n" not in str(e.value) and str(tmp_path) not in str(e.value)


def test_bad_status_is_refused(tmp_path, table):
    _, t = table
    write_table([dict(t.rows[0], status="great")], tmp_path / "table.json", False)
    with pytest.raises(TableError, match="status 'great'"):
        read_table(tmp_path / "table.json")


def test_display_rows_put_the_paper_next_to_the_measurement(table):
    _, t = table
    shown, notes = display_rows(t.rows_of("split-digits"))
    assert notes == [SOURCE]
    first = shown[0]  # cl1 hnet: measured, with the paper's number and its footnote
    assert first["scenario"] == "CL1" and first["method"] == "HNET"
    assert first["paper"] == f"{PAPER.value:.2f} ± {PAPER.spread:.2f} [1]"
    row = t.rows_of("split-digits")[0]
    assert first["measured"] == f"{row['mean']:.2f} ± {row['spread']:.2f}"
    assert first["seeds"] == len(SEEDS)
    assert first["task inferred %"] == "—" and first["task given"] == "—"
    cl3 = shown[2]  # cl3 hnet: the task inferred, and the accuracy with it given
    src = t.rows_of("split-digits")[2]
    assert cl3["method"] == "HNET+ENT"  # HNET without the task: the paper's entropy variant
    assert [s["method"] for s in shown[1::2]] == ["fine-tuning", "fine-tuning"]
    assert cl3["task inferred %"] == f"{src['task_inference_acc']:.1f}"
    assert cl3["task given"] == f"{src['mean_given']:.2f}"
    assert all(s["paper"] == "—" for s in shown[1:])
    assert shown[3]["status"] == f"failed: {FAILED_REASON}" and shown[3]["measured"] == "failed"
    assert shown[3]["task inferred %"] == "—" and shown[3]["wall s/run"] == "—"


def test_not_run_rows_keep_the_registrys_paper_numbers_and_say_why(table):
    _, t = table
    shown, notes = display_rows(t.rows_of("split-mnist"))
    assert all(s["measured"] == "not run" for s in shown)
    assert all(s["status"] == "not run: no MNIST here (test)" for s in shown)
    cited = [s for s in shown if s["paper"] != "—"]
    assert [s["paper"] for s in cited] == ["99.79 (unverified) [1]",
                                           "69.48 ± 0.80 (unverified) [2]"]
    assert "Table 1" in notes[0] and len(notes) == 2


def test_row_config_is_the_config_the_sweep_ran(table):
    """The Train link's configuration equals the grid point's (same base, scenario, seed)."""
    folder, t = table
    exp = tiny_experiment()
    grid = make_grid(base_configs(exp, False), {"task.scenario": exp.scenarios}, SEEDS)
    points = {(p.method, dict(p.params)["task.scenario"], p.seed): p.config
              for p in grid.points()}
    for row in t.rows_of("split-digits"):
        m = read_row_manifest(folder, row)
        assert seeds_of(row, m) == list(SEEDS)
        assert len(manifest_runs(m, row)) == len(SEEDS)
        for seed in SEEDS:
            assert row_config(row, m, False, seed) == points[(row["method"], row["scenario"],
                                                              seed)]


def test_row_config_without_a_manifest_comes_from_the_registry(table):
    _, t = table
    row = t.rows_of("split-mnist")[0]
    cfg = row_config(row, None, False, 2)
    assert (cfg.task.benchmark, cfg.train.method, cfg.task.scenario, cfg.train.seed,
            cfg.train.iters_per_task) == ("split-mnist", row["method"], row["scenario"], 2, 500)
    assert row_config(dict(row, experiment="gone"), None, False, 0) is None


def test_a_sweep_path_outside_the_bundle_is_refused(table, tmp_path):
    folder, t = table
    row = t.rows_of("split-digits")[0]
    with pytest.raises(SweepFileError, match="outside the bundle"):
        read_row_manifest(folder, dict(row, sweep="../../etc/passwd"))
    assert read_row_manifest(folder, dict(row, sweep=None)) is None
    copy = tmp_path / "b"
    shutil.copytree(folder, copy)
    (copy / "split-digits" / "sweep.json").write_text("{")
    with pytest.raises(SweepFileError):
        read_row_manifest(copy, row)


def test_train_links_carry_the_configuration(table):
    folder, t = table
    for row in t.rows_of("split-digits"):
        m = read_row_manifest(folder, row)
        cfg = row_config(row, m, False, 1)
        params = train_params(cfg)
        href = train_href(params)
        assert href.startswith("Train?benchmark=split-digits&method=" + row["method"])
        for part in (f"scenario={row['scenario']}", f"iters={cfg.train.iters_per_task}",
                     "seed=1"):
            assert part in href
        decoded, problems = urlstate.decode(params)
        assert problems == []
        assert (decoded.train.iters_per_task, decoded.train.seed, decoded.task.seed) == (
            cfg.train.iters_per_task, 1, 1)
        lost = not_carried(cfg, params)
        if decoded.task.scenario == cfg.task.scenario:  # the Train page reads scenario=
            assert lost == []
        else:  # (not yet): the link says what it cannot carry
            assert lost == [f"task.scenario={cfg.task.scenario} (the Train page: "
                            f"{decoded.task.scenario})"]


def test_not_carried_names_a_field_the_train_page_does_not_take(table):
    folder, t = table
    row = t.rows_of("split-digits")[0]
    cfg = row_config(row, read_row_manifest(folder, row), False, 0)
    cfg = cfg.replace(train={"batch_size": cfg.train.batch_size * 2})
    assert f"train.batch_size={cfg.train.batch_size}" in " ".join(
        not_carried(cfg, train_params(cfg)))


def test_comparison_fig_bars_errors_and_paper_markers(table):
    _, t = table
    rows = t.rows_of("split-digits")
    fig = comparison_fig(rows)
    bars = {tr.meta: tr for tr in fig.data if tr.type == "bar"}
    assert set(bars) == {"paper:bar:hnet", "paper:bar:finetune"}
    hnet = _row(rows, "cl1", "hnet")
    assert list(bars["paper:bar:hnet"].y) == [hnet["mean"], _row(rows, "cl3", "hnet")["mean"]]
    assert bars["paper:bar:hnet"].error_y.array[0] == hnet["spread"]
    assert len(bars["paper:bar:finetune"].y) == 1  # cl3 finetune failed: a gap
    (marker,) = [tr for tr in fig.data if tr.meta == "paper:marker"]
    assert list(marker.y) == [PAPER.value] and list(marker.error_y.array) == [PAPER.spread]
    assert marker.x[0] == bars["paper:bar:hnet"].x[0]  # on its own bar
    assert list(fig.layout.xaxis.ticktext) == ["CL1", "CL3"]
    assert fig.layout.yaxis.title.text == "test accuracy (%)"
    not_run = comparison_fig(t.rows_of("split-mnist"))
    assert all(len(tr.y) == 0 for tr in not_run.data if tr.type == "bar")
    # the paper's two numbers still drawn, as open diamonds: their source was not readable
    (unverified,) = [tr for tr in not_run.data if tr.meta == "paper:marker:unverified"]
    assert len(unverified.y) == 2 and unverified.marker.symbol == "diamond-open"
    assert not [tr for tr in not_run.data if tr.meta == "paper:marker"]


def test_unverified_paper_numbers_are_marked_everywhere(table):
    from hnviz.reproduce.experiments import EXPERIMENTS
    from hnviz.reproduce.run import markdown, paper_fields
    from hnviz.reproduce.table import paper_text

    _, t = table
    (row,) = [r for r in t.rows_of("split-mnist") if (r["scenario"], r["method"])
              == ("cl1", "hnet")]
    assert row["paper_verified"] is False and paper_text(row) == "99.79 (unverified)"
    assert "| 99.79 (unverified) | not run here |" in markdown([row])
    checked = _row(t.rows_of("split-digits"), "cl1", "hnet")
    assert checked["paper_verified"] is True and "unverified" not in paper_text(checked)
    legacy = {k: v for k, v in checked.items() if k != "paper_verified"}  # an older table
    assert paper_text(legacy) == paper_text(checked)
    assert paper_fields(EXPERIMENTS["split-mnist"], "cl2", "ewc")["paper"] is None


def test_experiments_missing_from_the_table_are_listed_as_not_run(table):
    from hnviz.reproduce.experiments import EXPERIMENTS
    from hnviz.reproduce.table import absent_experiments, absent_rows

    _, t = table
    absent = absent_experiments(t)
    assert set(absent) == set(EXPERIMENTS) - {"split-digits", "split-mnist"}
    assert absent == [n for n in EXPERIMENTS if n in absent]  # registry order
    rows = absent_rows("permuted-mnist", False, data_root="/nonexistent")
    exp = EXPERIMENTS["permuted-mnist"]
    assert len(rows) == len(exp.methods) * len(exp.scenarios)
    assert all(r["status"] == "not run" and r["n"] == 0 for r in rows)
    assert "not in this table, and MNIST not found under /nonexistent" in rows[0]["reason"]
    assert rows[0]["command"].startswith("python -m hnviz reproduce --experiment permuted-mnist")
    toy = absent_rows("toy", False)  # embedded: nothing missing, the command says how
    assert "not in this table: run it with `python -m hnviz reproduce --experiment toy" in \
        toy[0]["reason"]


def test_bundling_some_methods_of_an_experiment_keeps_its_other_cells(tmp_path):
    """`reproduce --experiment X --methods M --bundle DIR` replaces only X's rows of M: its other
    cells stay as DIR had them, and a registry cell neither has is a "not run" row with the
    command that runs it (never silently absent)."""
    from hnviz.reproduce.experiments import EXPERIMENTS

    folder, written = bundle()
    dest = tmp_path / "bundle"
    shutil.copytree(folder, dest)
    old = [r for r in written if r["experiment"] == "split-mnist"]
    cmd = "python -m hnviz reproduce --experiment split-mnist --seeds 0,1,2 --methods hnet,si"
    rerun = [dict(r, status="ok", mean=42.0, sweep=None, command=cmd)
             for r in old if r["method"] in ("hnet", "si") and r["scenario"] == "cl3"]
    write_bundle(rerun, dest, False)
    rows = [r for r in read_table(dest / "table.json").rows if r["experiment"] == "split-mnist"]
    exp = EXPERIMENTS["split-mnist"]
    assert [(r["scenario"], r["method"]) for r in rows] == [
        (s, m) for s in exp.scenarios for m in exp.methods]
    got = {(r["scenario"], r["method"]): r for r in rows}
    assert got["cl3", "hnet"]["mean"] == 42.0 and got["cl3", "si"]["status"] == "ok"
    assert got["cl1", "hnet"]["status"] == "not run" and "--methods" in got["cl1", "hnet"][
        "reason"]  # a cell not run is said anew, with the command that runs it
    assert experiment_names(read_table(dest / "table.json").rows) == ["split-digits",
                                                                      "split-mnist"]
    sweep = folder / read_table(folder / "table.json").rows_of("split-digits")[0]["sweep"]
    narrowed = [dict(r, sweep=str(sweep), command=cmd) for r in rerun]
    write_bundle(narrowed, dest, False)  # its manifest under a name of its own
    rows = read_table(dest / "table.json").rows
    assert {r["sweep"] for r in rows if r["mean"] == 42.0} == {
        "split-mnist/sweep_methods-hnet-si.json"}
    assert (dest / "split-mnist" / "sweep_methods-hnet-si.json").exists()
    cl1 = [dict(r, status="ok", mean=50.0, sweep=None, command=cmd.replace(
        "--methods hnet,si", "--methods hnet --scenarios cl1")) for r in old
        if r["method"] == "hnet" and r["scenario"] == "cl1"]
    write_bundle(cl1, dest, False)  # another narrowed run: the measured cells stay
    got = {(r["scenario"], r["method"]): r for r in read_table(dest / "table.json").rows
           if r["experiment"] == "split-mnist"}
    assert (got["cl1", "hnet"]["mean"], got["cl3", "hnet"]["mean"], got["cl3", "si"]["mean"]) == (
        50.0, 42.0, 42.0)
    assert got["cl3", "hnet"]["sweep"] == "split-mnist/sweep_methods-hnet-si.json"
    fresh = tmp_path / "fresh"  # no earlier rows: the other cells say "not run" and how to run
    write_bundle(rerun, fresh, False)
    rows = read_table(fresh / "table.json").rows
    assert len(rows) == len(exp.scenarios) * len(exp.methods)
    other = [r for r in rows if r["mean"] is None]
    assert len(other) == len(rows) - 2 and {r["status"] for r in other} == {"not run"}
    assert all("--methods" in r["reason"] and r["command"].startswith(
        "python -m hnviz reproduce --experiment split-mnist --seeds 0,1,2") for r in other)
