import pytest
import torch
import torch.nn.functional as F

from hnviz.core import regularizers
from hnviz.core.presets import default_config
from hnviz.core.targets import forward
from hnviz.core.trainer import Trainer


def test_output_regularizer_formula():
    now = torch.tensor([[1.0, 2.0], [0.0, 0.0]])
    snap = torch.tensor([[1.0, 0.0], [3.0, 4.0]])
    # β/(T-1) Σ ||.||²: (4 + 25) / 2 * β
    assert regularizers.output_regularizer(now, snap, 0.1).item() == torch.tensor(0.1 * 29 / 2).item()
    assert regularizers.output_regularizer(now[:0], snap[:0], 0.1).item() == 0.0


def test_ewc_and_si_penalties():
    w = torch.tensor([1.0, 2.0])
    anchors = torch.tensor([[0.0, 2.0], [1.0, 0.0]])
    fishers = torch.tensor([[2.0, 5.0], [1.0, 3.0]])
    # λ/2 (2·1 + 3·4) = 0.5·10·14
    assert regularizers.ewc_penalty(w, anchors, fishers, 10.0).item() == 70.0
    assert regularizers.si_penalty(w, torch.zeros(2), torch.tensor([1.0, 0.5]), 2.0).item() == 2 * (1 + 2)
    imp = regularizers.si_importance(torch.tensor([1.0, -1.0]), torch.tensor([1.0, 1.0]), 0.0)
    assert imp.tolist() == [1.0, 0.0]


def _tiny(method="hnet", **train):
    cfg = default_config("regression1d", method).replace(
        train={"iters_per_task": 20, "eval_every": 10, "lookahead": False, **train})
    return Trainer(cfg)


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _task_loss(tr: Trainer, w: torch.Tensor) -> torch.Tensor:
    """The current task's loss on a fixed batch, for weights w [P]."""
    tk, t = tr.seq.tasks[tr.task], tr.task
    return F.mse_loss(tr.target.head(forward(tr.target, w, tk.x_train[:32]), t), tk.y_train[:32])


def test_hnet_regularizer_zero_right_after_snapshot_then_grows():
    tr = _tiny(beta=1.0)
    tr.advance(20)  # task 1 done
    tr.advance(1)  # begin task 2: snapshot taken, one step on task 2
    m = tr.method
    m.begin_task(1)  # the batched forward may differ from the snapshot's by rounding only
    assert m.step(1, _gen()).regularize(torch.zeros(())).item() == pytest.approx(0, abs=1e-12)
    tr.advance(5)
    assert m.step(1, _gen()).regularize(torch.zeros(())).item() > 0.0


def test_hnet_regularizer_keeps_old_weights_closer():
    def drift(beta):
        tr = _tiny(beta=beta, iters_per_task=100)
        tr.advance(100)
        w0 = tr.weights_for(0).clone()
        tr.advance(100)
        return (tr.weights_for(0) - w0).norm().item()

    assert drift(1.0) < 0.2 * drift(0.0)


def test_lookahead_regularizes_at_the_task_losss_next_step():
    """With lookahead the penalty is taken at θ_h + Δθ_h, Δθ_h = −lr·∂L_task/∂θ_h, not at θ_h;
    and a run with it ends elsewhere than one without."""
    tr = _tiny(beta=0.5, lookahead=True)
    tr.advance(45)  # mid task 3: two previous tasks
    m, t, lr = tr.method, tr.task, tr.cfg.train.lr
    step = m.step(t, _gen())
    task_loss = _task_loss(tr, step.weights)
    reg = step.regularize(task_loss)
    theta = m.hnet.theta()
    grads = torch.autograd.grad(task_loss, theta, retain_graph=True, allow_unused=True)
    prev = m.hnet.emb_matrix()[:t].detach()
    with torch.no_grad():
        now = m.hnet(prev)
        for p, g in zip(theta, grads):
            if g is not None:
                p -= lr * g
        ahead = m.hnet(prev)
        for p, g in zip(theta, grads):
            if g is not None:
                p += lr * g
    expected = regularizers.output_regularizer(ahead, m.snapshot, 0.5)
    assert torch.allclose(reg, expected, rtol=1e-4, atol=1e-9)
    assert not torch.allclose(reg, regularizers.output_regularizer(now, m.snapshot, 0.5),
                              rtol=1e-4, atol=1e-9)

    with_la, without = _tiny(beta=0.5, lookahead=True), _tiny(beta=0.5)
    with_la.run()
    without.run()
    assert with_la.finished and with_la.error is None
    assert with_la.history["R"][0] == without.history["R"][0]  # task 1 has nothing to keep
    assert with_la.history["R"][-1] != without.history["R"][-1]


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
    step = m.step(t, _gen())
    merged = step.regularize(torch.zeros(()))
    separate = regularizers.output_regularizer(m.hnet(m.hnet.emb_matrix()[:t]), m.snapshot, 0.3)
    assert torch.allclose(merged, separate, atol=1e-6)
    assert torch.allclose(step.weights, m.weights(t), atol=1e-6)


def test_reg_tasks_cycles_through_every_previous_task():
    tr = _tiny(beta=0.3, reg_tasks=1)
    tr.advance(45)  # mid task 3: two previous tasks
    m, t = tr.method, tr.task
    embs = m.hnet.emb_matrix()[:t].detach()
    one = [regularizers.output_regularizer(m.hnet(embs[j:j + 1]), m.snapshot[j:j + 1], 0.3)
           for j in range(t)]
    assert not torch.allclose(one[0], one[1])
    picked = []
    for s in range(2 * t):  # the step number picks which one, whatever the generator
        reg = m.step(t, _gen(s), s).regularize(torch.zeros(()))
        matches = [j for j in range(t) if torch.allclose(reg, one[j], atol=1e-7)]
        assert len(matches) == 1
        picked.append(matches[0])
        assert torch.equal(m.step(t, _gen(s + 7), s).regularize(torch.zeros(())), reg)
    assert picked == [s % t for s in range(2 * t)]
    tr.run()
    assert tr.finished and tr.error is None


@pytest.mark.parametrize("t,k", [(5, 2), (7, 3), (4, 1), (3, 3), (6, 0)])
def test_reg_tasks_cycle_covers_each_task_equally(t, k):
    m = _tiny(beta=0.3, reg_tasks=k).method
    counts = [0] * t
    steps = t * max(k, 1)  # one full period of the cycle
    for s in range(steps):
        parts = m.regularized_tasks(t, s)
        got = [j for p in parts for j in range(t)[p]]
        assert len(got) == (t if k <= 0 or k >= t else k) and len(set(got)) == len(got)
        for j in got:
            counts[j] += 1
    assert len(set(counts)) == 1  # every previous task equally often


def test_reg_choice_random_draws_k_distinct_tasks_from_the_step_stream():
    """reg_choice "random": k distinct previous tasks per step, drawn from the step's own
    generator (the same stream, the same tasks; another stream, in general others), and the
    penalty is the output regularizer over exactly those rows."""
    cfg = default_config("regression1d", "hnet").replace(
        task={"n_tasks": 5}, train={"iters_per_task": 20, "eval_every": 10, "lookahead": False,
                                    "beta": 0.3, "reg_tasks": 2, "reg_choice": "random"})
    tr = Trainer(cfg)
    tr.advance(85)  # mid task 5: four previous tasks
    m, t = tr.method, tr.task
    assert t == 4
    drawn = set()
    for seed in range(20):
        idx = m.regularized_tasks(t, 0, _gen(seed))
        assert isinstance(idx, torch.Tensor) and idx.shape == (2,)
        assert len(set(idx.tolist())) == 2 and all(0 <= j < t for j in idx.tolist())
        assert torch.equal(m.regularized_tasks(t, 5, _gen(seed)), idx)  # the stream decides
        drawn.add(tuple(sorted(idx.tolist())))
        reg = m.step(t, _gen(seed), 0).regularize(torch.zeros(()))
        embs = m.hnet.emb_matrix()[:t].detach()[idx]
        want = regularizers.output_regularizer(m.hnet(embs), m.snapshot[idx], 0.3)
        assert torch.allclose(reg, want, atol=1e-7)
    assert len(drawn) > 3  # not a fixed pair
    tr.run()
    assert tr.finished and tr.error is None


def test_reg_choice_is_validated():
    from hnviz.core.config import ConfigError, TrainConfig

    with pytest.raises(ConfigError, match="train.reg_choice must be one of"):
        TrainConfig(reg_choice="sometimes")


def test_si_importance_comes_from_the_task_loss_path():
    """SI: the path integral ω accumulates −g·Δw of the task loss over task 1, so after it Ω > 0
    and the penalty pulls w back to the end of task 1."""
    tr = _tiny("si", si_c=1.0)
    tr.advance(20)  # task 1 done
    m = tr.method
    assert (m.omega > 0).any() and torch.equal(m.anchor, m.w.detach())
    tr.advance(5)
    step = m.step(1, _gen())
    reg = step.regularize(_task_loss(tr, step.weights))
    expected = regularizers.si_penalty(m.w, m.anchor, m.omega, 1.0)
    assert reg.item() > 0 and torch.allclose(reg, expected)


def test_ewc_gets_the_fisher_at_task_end():
    tr = _tiny("ewc")
    tr.advance(20)
    m = tr.method
    assert m.fishers.shape == (1, m.w.numel()) and (m.fishers > 0).any()
    assert torch.equal(m.anchors[0], m.w.detach())
    tr.advance(20)
    assert m.fishers.shape[0] == 2
    online = _tiny("online-ewc")
    online.advance(40)
    assert online.method.fishers.shape[0] == 1  # one running Fisher


def _chunked(reg_choice: str, n_tasks: int = 6, **train):
    cfg = default_config("permuted-digits", "hnet").replace(
        task={"n_tasks": n_tasks}, target={"hidden": (16,)},
        hnet={"kind": "chunked", "hidden": (8,), "chunk_size": 150, "chunk_emb_dim": 4,
              "emb_dim": 4},
        train={"iters_per_task": 10, "eval_every": 10, "beta": 0.3, "reg_tasks": 1,
               "reg_choice": reg_choice, **train})
    return Trainer(cfg)


def test_chunk_rows_are_the_forwards_numbers():
    m = _chunked("chunks").method
    h = m.hnet
    e = h.emb_matrix()[2]
    C = h.n_chunks
    rows = h.chunk_rows(e.expand(C, -1), torch.arange(C))  # [C, chunk_size]
    assert torch.allclose(rows.reshape(-1)[:h.target_numel], h(e), atol=1e-6)
    mask = h.tail_mask()
    pad = C * h.cfg.chunk_size - h.target_numel
    assert pad > 0 and mask[-1].sum() == h.cfg.chunk_size - pad and mask[:-1].all()


def test_reg_choice_chunks_estimates_the_full_regularizer_without_bias():
    """reg_choice "chunks": k·C (task, chunk) pairs of ALL previous tasks per step; the
    penalty averaged over the step's random streams equals the output regularizer over every
    previous task (the paper's), and a step's rows come from every task, not k of them."""
    tr = _chunked("chunks")
    tr.advance(45)  # mid task 5: four previous tasks
    m, t = tr.method, tr.task
    assert t == 4
    full = regularizers.output_regularizer(m.hnet(m.hnet.emb_matrix()[:t].detach()),
                                           m.snapshot, 0.3)
    est = torch.stack([m.step(t, _gen(seed), 0).regularize(torch.zeros(()))
                       for seed in range(400)]).mean()
    assert torch.allclose(est, full, rtol=0.1)
    C = m.hnet.n_chunks
    idx = torch.randint(t * C, (C,), generator=_gen(5))  # what step(t, _gen(5)) draws
    assert len(set((idx // C).tolist())) > 1  # more than one task in one step
    tr.run()
    assert tr.finished and tr.error is None


def test_reg_choice_chunks_is_deterministic_and_resumes(tmp_path):
    from hnviz.core.io import load_run, save_run

    a = _chunked("chunks", n_tasks=4)
    a.run()
    b = _chunked("chunks", n_tasks=4)
    b.advance(17)
    save_run(b, tmp_path / "b.pt")
    c, _ = load_run(tmp_path / "b.pt")
    c.run()
    assert c.history["R"] == a.history["R"]
