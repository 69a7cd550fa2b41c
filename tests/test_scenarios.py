"""CL1/CL2/CL3 scenarios: output layouts, predictions without the task, history and summaries,
run files, and HNET+R's protected replay model."""

from __future__ import annotations

import pytest
import torch

from hnviz.analysis.summary import run_summary
from hnviz.core import conv_targets
from hnviz.core.admission import admit
from hnviz.core.config import ConfigError
from hnviz.core.inference import candidate_logits, predict, predictive_entropy
from hnviz.core.io import load_run, save_run
from hnviz.core.presets import default_config
from hnviz.core.scenarios import SCENARIOS, heads_for, n_heads
from hnviz.core.sizes import target_params
from hnviz.core.target_kinds import forward
from hnviz.core.targets import num_params
from hnviz.core.trainer import Trainer


def _cfg(method: str, scn: str, iters: int = 30, bench: str = "split-digits"):
    return default_config(bench, method).replace(
        task={"scenario": scn}, train={"iters_per_task": iters, "eval_every": iters})


@pytest.mark.parametrize("method,scn,heads,grow", [
    ("finetune", "cl1", 5, False), ("finetune", "cl2", 1, False), ("finetune", "cl3", 5, True),
    ("ewc", "cl2", 1, False), ("hnet", "cl1", 1, False), ("hnet", "cl3", 1, False),
    ("hnet-replay", "cl2", 1, False),
])
def test_output_layout_per_scenario_and_method(method, scn, heads, grow):
    cfg = _cfg(method, scn)
    spec_emb = method.startswith("hnet")
    h = heads_for(cfg, spec_emb, 5, 2)
    assert (h.n_heads, h.grow) == (heads, grow)
    assert n_heads(cfg, spec_emb, 5) == heads
    tr = Trainer(cfg)
    assert tr.target.n_heads == heads
    assert num_params(tr.target) == target_params(cfg)  # sizes agrees with what is built


def test_heads_select_outputs_and_labels():
    out = torch.arange(10.0).repeat(3, 1)  # [3, 5 heads · 2]
    grow = heads_for(_cfg("finetune", "cl3"), False, 5, 2)
    assert grow.logits(out, 1).shape[-1] == 4  # classes of tasks 0 and 1
    assert grow.logits(out, 0, active=3).shape[-1] == 8  # joint: every class seen so far
    assert grow.labels(torch.tensor([0, 1]), 2).tolist() == [4, 5]
    cl1 = heads_for(_cfg("finetune", "cl1"), False, 5, 2)
    assert cl1.logits(out, 2).tolist() == [[4.0, 5.0]] * 3
    assert cl1.labels(torch.tensor([0, 1]), 2).tolist() == [0, 1]


def test_scenario_is_checked():
    with pytest.raises(ConfigError, match="scenario"):
        default_config("split-digits").replace(task={"scenario": "cl4"})
    with pytest.raises(ConfigError, match="classification"):  # where a run is admitted
        admit(default_config("regression1d").replace(task={"scenario": "cl2"}))
    assert tuple(SCENARIOS) == ("cl1", "cl2", "cl3")


@pytest.mark.parametrize("kind", ["mlp", "zenke"])
def test_candidate_networks_in_one_pass_equal_one_network_at_a_time(kind):
    """Task inference over K embeddings is one batched pass: it must equal running the K
    generated networks one by one, each at its own head (conv: its own batch-norm stats)."""
    torch.manual_seed(0)
    if kind == "mlp":
        cfg = _cfg("hnet", "cl3").replace(train={"multi_head": True})
        tr = Trainer(cfg)
        target, x = tr.target, tr.seq.tasks[0].x_test[:7]
    else:  # 3 tasks of 2 classes on 16×16 colour images, one head and BN statistics per task
        target = conv_targets.build_conv_target("zenke", (3, 16, 16), 2, 3, n_tasks=3)
        x = torch.rand(6, 3 * 16 * 16, generator=torch.Generator().manual_seed(1))
    K = target.n_heads
    P = num_params(target)
    W = torch.randn(K, P) * 0.05
    batched = candidate_logits(target, W, x)  # [K, B, O]
    for k in range(K):
        one = target.head(forward(target, W[k], x, task=k), k)
        torch.testing.assert_close(batched[k], one, rtol=1e-4, atol=1e-5)


def test_predict_picks_the_lowest_entropy_network():
    tr = Trainer(_cfg("hnet", "cl3", iters=60))
    tr.run()
    x = tr.seq.tasks[2].x_test[:20]
    inf = predict(tr, x, tr.n_tasks)
    W = torch.stack([tr.weights_for(t) for t in range(tr.n_tasks)])
    ent = torch.stack([predictive_entropy(tr.target.head(forward(tr.target, W[t], x), t))
                       for t in range(tr.n_tasks)]).T  # [B, K], loop over networks
    torch.testing.assert_close(inf.scores, ent, rtol=1e-4, atol=1e-5)
    assert inf.task.tolist() == ent.argmin(dim=1).tolist()
    assert inf.kind == "entropy"
    # CL3 labels: task t̂'s classes start at t̂·O
    assert ((inf.pred // tr.seq.out_dim) == inf.task).all()


@pytest.mark.parametrize("method", ["hnet", "finetune"])
def test_cl2_cl3_history_summary_and_run_file(method, tmp_path):
    for scn in ("cl2", "cl3"):
        tr = Trainer(_cfg(method, scn))
        tr.run()
        h = tr.history
        assert len(h["R"]) == len(h["R_given"]) == len(h["R_task"]) == tr.n_tasks
        s = run_summary(tr, 1.0)
        assert s["scenario"] == scn
        assert s["mean_final"] == pytest.approx(sum(h["R"][-1]) / tr.n_tasks)
        assert s["mean_final_given"] == pytest.approx(sum(h["R_given"][-1]) / tr.n_tasks)
        if method == "finetune" and scn == "cl2":
            assert s["task_inference_acc"] is None  # one shared head: no task is inferred
        else:
            assert 0.0 <= s["task_inference_acc"] <= 1.0
        path = save_run(tr, tmp_path / f"{method}_{scn}.pt")
        back, _meta = load_run(path)
        assert back.cfg.task.scenario == scn
        assert back.history["R_task"] == h["R_task"]
    cl1 = Trainer(_cfg(method, "cl1"))
    assert "R_given" not in cl1.history and "R_task" not in cl1.history


def test_replay_hypernetwork_keeps_old_decoders():
    """HNET+R's replay model is protected by its own output regularizer: after task 2 the
    decoder generated for task 1 stays near its snapshot with β_r > 0 and drifts without."""
    drift = {}
    for beta in (0.0, 1.0):
        cfg = _cfg("hnet-replay", "cl3", iters=80).replace(
            task={"n_tasks": 2}, replay={"beta": beta})
        tr = Trainer(cfg)
        tr.advance(cfg.train.iters_per_task + 1)  # task 1 done, task 2 begun (snapshot taken)
        snap = tr.method.replay_snapshot[0].clone()
        tr.run()
        now = tr.method.replay_hnet(tr.method.replay_hnet.emb_matrix()[:1].detach())[0]
        drift[beta] = (now - snap).norm().item()
    assert drift[1.0] < 0.5 * drift[0.0], drift


def test_hnet_replay_samples_and_task_probabilities():
    tr = Trainer(_cfg("hnet-replay", "cl3", iters=40))
    tr.run()
    s = tr.method.samples(4, torch.Generator().manual_seed(0))
    assert s.shape == (tr.n_tasks, 4, tr.seq.in_dim)
    assert float(s.min()) >= 0.0 and float(s.max()) <= 1.0
    inf = predict(tr, tr.seq.tasks[0].x_test[:10], tr.n_tasks)
    assert inf.kind == "probability"
    torch.testing.assert_close(inf.scores.sum(dim=1), torch.ones(10))
