import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from hnviz.cli import main

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--iters", "20", "--eval-every", "10", "--quiet"]


def test_train_json_end_to_end(tmp_path, capsys):
    out = tmp_path / "r.pt"
    rc = main(["train", "--benchmark", "split-digits", "--method", "hnet", "--beta", "0.01",
               "--n-tasks", "2", "--out", str(out), "--json", *TINY])
    assert rc == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    d = json.loads(last)
    for key in ("acc_matrix", "mean_final", "bwt", "forgetting", "hnet_params", "target_params",
                "compression", "wall_s", "sec_per_iter", "train_s", "eval_s", "ms_per_step",
                "ms_per_step_by_task"):
        assert key in d, key
    # training and evaluation apart: per task ms/step, none of it evaluation time
    assert len(d["ms_per_step_by_task"]) == 2 and all(v > 0 for v in d["ms_per_step_by_task"])
    assert d["eval_s"] > 0 and d["train_s"] > 0
    assert d["train_s"] + d["eval_s"] <= d["wall_s"] + 1e-3
    # (train_s is rounded to ms: 0.5 ms / 40 steps)
    assert d["ms_per_step"] == pytest.approx(1000 * d["train_s"] / 40, abs=0.0126)
    assert len(d["acc_matrix"]) == 2 and d["hnet_params"] > 0
    assert d["compression"] == pytest.approx(d["hnet_params"] / d["target_params"], rel=1e-3)
    assert out.exists()

    assert main(["info", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert info["tasks_done"] == 2 and info["method"] == "hnet" and info["beta"] == 0.01


def test_human_output_and_baseline(capsys):
    assert main(["train", "--method", "ewc", "--n-tasks", "2", *TINY]) == 0
    text = capsys.readouterr().out
    assert "mse matrix" in text and "after 2:" in text and "forgetting" in text


def test_info_on_bad_file(tmp_path, capsys):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"garbage")
    assert main(["info", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "not a readable hnviz run file" in err and "Traceback" not in err


def test_missing_dataset_one_line_error(tmp_path, capsys):
    rc = main(["train", "--benchmark", "split-mnist", "--data-root", str(tmp_path), *TINY])
    assert rc == 2
    err = capsys.readouterr().err.strip()
    assert str(tmp_path) in err and len(err.splitlines()) == 1


def test_nan_run_reports_error(capsys):
    rc = main(["train", "--lr", "1e12", "--beta", "1e12", "--json", *TINY])
    assert rc == 1
    d = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert "learning rate" in d["error"]


def test_module_entry_point_and_progress_bar():
    r = subprocess.run([sys.executable, "-m", "hnviz", "train", "--iters", "10", "--n-tasks", "1",
                        "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "it/s" in r.stderr or "s/it" in r.stderr  # tqdm progress bar on stderr
    assert "ETA " in r.stderr and "task 1/1" in r.stderr  # time left, and which task
    json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("sub", [["train"], ["sweep", "--values", "0,0.1", "--out", "SWEEP"]])
def test_device_cuda_without_a_gpu_is_one_line(sub, tmp_path, capsys, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    args = [a if a != "SWEEP" else str(tmp_path / "sw") for a in sub]
    rc = main([*args, "--device", "cuda", *TINY])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "--device cpu" in err, err
    assert not (tmp_path / "sw").exists()  # nothing started


@pytest.mark.parametrize("device", ["cpu", "auto"])
def test_amp_without_cuda_is_refused_in_one_line(device, capsys, monkeypatch, tmp_path):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    out = tmp_path / "r.pt"
    rc = main(["train", "--amp", "--device", device, "--out", str(out), *TINY])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "--amp" in err and "CUDA" in err, err
    assert not out.exists()  # refused before anything trained


def test_device_auto_trains_on_the_cpu_without_a_gpu(capsys, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert main(["train", "--device", "auto", "--n-tasks", "2", "--json", *TINY]) == 0
    d = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert d["error"] is None and len(d["acc_matrix"]) == 2


def test_target_option_starts_from_that_targets_preset_lr_unless_lr_is_given() -> None:
    """`--target zenke` on Split CIFAR: HNET trains at the rate the benchmark gives a hypernet
    generating ZenkeNet (`Benchmark.hnet_lr`), a baseline at the benchmark's; --lr wins."""
    import argparse

    from hnviz.core.presets import default_config
    from hnviz.run_args import add_run_args, config_from_args

    p = argparse.ArgumentParser()
    add_run_args(p)
    args = ["--benchmark", "split-cifar", "--target", "zenke"]
    hnet = config_from_args(p.parse_args([*args, "--method", "hnet"]))
    direct = config_from_args(p.parse_args([*args, "--method", "finetune"]))
    assert hnet.target.kind == direct.target.kind == "zenke"
    assert hnet.train.lr == default_config("split-cifar", "hnet", "zenke").train.lr
    assert direct.train.lr == default_config("split-cifar").train.lr != hnet.train.lr
    given = config_from_args(p.parse_args([*args, "--method", "hnet", "--lr", "0.003"]))
    assert given.train.lr == 0.003


def test_replay_options_reach_the_config_and_a_bad_dropout_is_one_line(capsys) -> None:
    import argparse

    from hnviz.run_args import add_run_args, config_from_args

    p = argparse.ArgumentParser()
    add_run_args(p)
    cfg = config_from_args(p.parse_args(["--benchmark", "split-digits", "--method",
                                         "hnet-replay", "--classifier-dropout", "0.5",
                                         "--replay-batch", "64"]))
    assert (cfg.replay.classifier_dropout, cfg.replay.batch) == (0.5, 64)
    assert main(["train", "--benchmark", "split-digits", "--method", "hnet-replay",
                 "--classifier-dropout", "1.5", *TINY]) == 2
    err = capsys.readouterr().err.strip()
    assert "replay.classifier_dropout must be a number in [0, 1)" in err
    assert len(err.splitlines()) == 1

def test_hnet_activation_option_reaches_the_hypernetwork(capsys) -> None:
    """--hnet-activation sets the hypernetwork's hidden units (the authors' Split MNIST re-run
    used sigmoid ones); the target's stay as they were; a name that is not one is refused."""
    import argparse

    from hnviz.core.hnets import HyperNetwork
    from hnviz.run_args import add_run_args, config_from_args

    p = argparse.ArgumentParser()
    add_run_args(p)
    cfg = config_from_args(p.parse_args(["--benchmark", "split-digits", "--method", "hnet",
                                         "--hnet-activation", "sigmoid"]))
    assert cfg.hnet.activation == "sigmoid" and cfg.target.activation == "relu"
    h = HyperNetwork(cfg.hnet, 100, n_tasks=2)
    assert any(isinstance(m, torch.nn.Sigmoid) for m in h.body.modules())
    assert not any(isinstance(m, torch.nn.ReLU) for m in h.body.modules())
    with pytest.raises(SystemExit):
        p.parse_args(["--hnet-activation", "swish"])
    assert "invalid choice: 'swish'" in capsys.readouterr().err


def test_app_subcommand_serves_the_app_files_of_this_hnviz(capsys):
    """`hnviz app` runs Streamlit on app_root()/app.py with this interpreter; -P keeps the
    working folder (which might hold another hnviz/) off sys.path. Served for real from an
    installed wheel in tests/test_packaging.py."""
    from hnviz import app_cli
    from hnviz.cli import _Parser, build_parser
    from hnviz.paths import app_root

    assert "app" in build_parser().format_help()
    p = _Parser(prog="hnviz app")
    app_cli.add_app_args(p)
    argv = app_cli.app_argv(p.parse_args(["--port", "8600", "--address", "127.0.0.1", "--",
                                          "--server.maxUploadSize", "100"]))
    assert argv[:6] == [sys.executable, "-P", "-m", "streamlit", "run", str(app_root() / "app.py")]
    flags = dict(zip(argv[6::2], argv[7::2]))
    assert flags == {"--server.port": "8600", "--server.headless": "true",
                     "--server.address": "127.0.0.1", "--server.maxUploadSize": "100"}
    with pytest.raises(SystemExit) as e:
        main(["app", "--port", "70000"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "invalid port '70000'" in err and len(err.splitlines()) == 1


def test_the_launcher_imports_no_torch():
    """The console script's module and `hnviz app` load neither torch nor streamlit: the app
    starts without paying torch's import twice, and `import hnviz` stays light."""
    code = ("import sys, hnviz, hnviz.cli, hnviz.app_cli, hnviz.paths\n"
            "assert 'torch' not in sys.modules and 'streamlit' not in sys.modules\n"
            "assert hnviz.__version__\nprint('ok')")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr
