"""Step 2's ASR/ST draw: seeded, per rank, and replayed exactly after a resume; or no draw
(`both`: every utterance trains both tasks)."""
import torch

from fama_espnet.multitask import TaskSampler

from helpers import tiny_model


def draws(sampler, n, rank=0, batch=4):
    return [sampler.draw(i, batch, rank) for i in range(n)]


def test_same_seed_same_draws_and_ranks_differ():
    a, b = TaskSampler(0.5, seed=7), TaskSampler(0.5, seed=7)
    assert all(torch.equal(x, y) for x, y in zip(draws(a, 200), draws(b, 200)))
    rank0 = torch.stack([d[0] for d in draws(a, 200, rank=0)])
    rank1 = torch.stack([d[0] for d in draws(a, 200, rank=1)])
    assert not torch.equal(rank0, rank1)
    other_seed = torch.stack([d[0] for d in draws(TaskSampler(0.5, seed=8), 200)])
    assert not torch.equal(rank0, other_seed)


def test_batch_mode_draws_one_task_per_batch_at_rate_p():
    d = torch.stack(draws(TaskSampler(0.5, seed=1), 4000, batch=6))
    assert (d.all(1) | (~d).all(1)).all()  # never mixed
    assert abs(d[:, 0].float().mean() - 0.5) < 0.03
    assert TaskSampler(0.2, seed=1).draw(0, 3).dtype == torch.bool
    rate = torch.stack(draws(TaskSampler(0.2, seed=1), 4000, batch=1)).float().mean()
    assert abs(rate - 0.2) < 0.03


def test_sample_mode_mixes_tasks_inside_a_batch():
    d = torch.stack(draws(TaskSampler(0.5, seed=1, mode="sample"), 500, batch=8))
    assert ((d.any(1)) & (~d.all(1))).float().mean() > 0.9


def test_draws_continue_across_a_checkpoint(corpus, batch):
    def run(model, n):
        out = []
        for _ in range(n):
            _, stats, _ = model(**batch)
            out.append(float(stats["asr_fraction"]))
        return out

    full = run(tiny_model(corpus[1]).train(), 12)
    first = tiny_model(corpus[1]).train()
    head = run(first, 5)
    resumed = tiny_model(corpus[1]).train()
    resumed.load_state_dict(first.state_dict())  # what ESPnet's --resume restores
    assert head + run(resumed, 7) == full
    assert 0 < sum(full) < 12  # both tasks were drawn


def test_per_sample_mode_trains_mixed_batches(corpus, batch):
    model = tiny_model(corpus[1], task_sampling="sample", task_seed=3).train()
    fractions = set()
    for _ in range(10):
        loss, stats, _ = model(**batch)
        assert torch.isfinite(loss)
        fractions.add(float(stats["asr_fraction"]))
    assert any(0 < f < 1 for f in fractions)


def test_both_mode_trains_transcript_and_translation_of_every_utterance(corpus, batch):
    """One encoder pass, both decoder targets: the loss is the ASR-only loss plus the
    ST-only loss of the same weights, the shared intermediate CTC counted once."""
    def model(**conf):
        m = tiny_model(corpus[1], **conf).train()
        m.specaug = None  # random masks would differ between the three forwards
        for module in m.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = 0.0
        return m

    both = model(task_sampling="both")
    asr, st = model(p_asr=1.0), model(p_asr=0.0)
    asr.load_state_dict(both.state_dict())
    st.load_state_dict(both.state_dict())
    loss_both, stats, _ = both(**batch)
    loss_asr, _, _ = asr(**batch)
    loss_st, _, _ = st(**batch)
    inter = both.interctc_weight * stats["loss_ctc_inter"]
    torch.testing.assert_close(loss_both, loss_asr + loss_st - inter, rtol=1e-5, atol=1e-5)
