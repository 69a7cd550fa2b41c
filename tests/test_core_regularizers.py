import torch

from hnviz.core import regularizers as R
from hnviz.core.presets import default_config
from hnviz.core.trainer import Trainer


def test_output_regularizer_formula():
    now = torch.tensor([[1.0, 2.0], [0.0, 0.0]])
    snap = torch.tensor([[1.0, 0.0], [3.0, 4.0]])
    # β/(T-1) Σ ||.||²: (4 + 25) / 2 * β
    assert R.output_regularizer(now, snap, 0.1).item() == torch.tensor(0.1 * 29 / 2).item()
    assert R.output_regularizer(now[:0], snap[:0], 0.1).item() == 0.0


def test_ewc_and_si_penalties():
    w = torch.tensor([1.0, 2.0])
    anchors = torch.tensor([[0.0, 2.0], [1.0, 0.0]])
    fishers = torch.tensor([[2.0, 5.0], [1.0, 3.0]])
    # λ/2 (2·1 + 3·4) = 0.5·10·14
    assert R.ewc_penalty(w, anchors, fishers, 10.0).item() == 70.0
    assert R.si_penalty(w, torch.zeros(2), torch.tensor([1.0, 0.5]), 2.0).item() == 2 * (1 + 2)
    imp = R.si_importance(torch.tensor([1.0, -1.0]), torch.tensor([1.0, 1.0]), 0.0)
    assert imp.tolist() == [1.0, 0.0]


def _tiny(method="hnet", **train):
    cfg = default_config("regression1d", method).replace(
        train={"iters_per_task": 20, "eval_every": 10, "lookahead": False, **train})
    return Trainer(cfg)


def test_hnet_regularizer_zero_right_after_snapshot_then_grows():
    tr = _tiny(beta=1.0)
    tr.advance(20)  # task 1 done
    tr.advance(1)  # begin task 2: snapshot taken, one step on task 2
    m = tr.method
    m.begin_task(1)
    assert m.regularizer(1, torch.zeros(())).item() == 0.0
    tr.advance(5)
    assert m.regularizer(1, torch.zeros(())).item() > 0.0


def test_hnet_regularizer_keeps_old_weights_closer():
    def drift(beta):
        tr = _tiny(beta=beta, iters_per_task=100)
        tr.advance(100)
        w0 = tr.weights_for(0).clone()
        tr.advance(100)
        return (tr.weights_for(0) - w0).norm().item()

    assert drift(1.0) < 0.2 * drift(0.0)


def test_lookahead_runs_and_regularizes():
    tr = _tiny(beta=0.5, lookahead=True)
    tr.run()
    assert tr.finished and tr.error is None


def test_previous_embeddings_frozen():
    tr = _tiny(beta=0.01)
    tr.advance(20)
    e0 = tr.method.hnet.task_embs[0].detach().clone()
    tr.advance(20)
    assert torch.equal(tr.method.hnet.task_embs[0].detach(), e0)


def test_merged_forward_gives_same_regularizer_as_separate():
    tr = _tiny(beta=0.3)
    tr.advance(45)  # mid task 3: two previous tasks
    m, t = tr.method, tr.task
    w = m.train_weights(t)
    merged = m.regularizer(t, torch.zeros(()))
    separate = R.output_regularizer(m.hnet(m.hnet.emb_matrix()[:t]), m.snapshot, 0.3)
    assert torch.allclose(merged, separate, atol=1e-6)
    assert torch.allclose(w, m.weights(t), atol=1e-6)


def test_reg_tasks_subsamples_previous_tasks():
    tr = _tiny(beta=0.3, reg_tasks=1)
    tr.advance(45)
    m = tr.method
    assert m._reg_tasks(2, torch.Generator().manual_seed(0)).numel() == 1
    m.train_weights(2, torch.Generator().manual_seed(0))
    assert m._step_prev[0].shape[0] == 1
    tr.run()
    assert tr.finished and tr.error is None
