"""The fast training path (fused SDPA attention, bf16 autocast) against the reference
ops on a fixed batch of real speech: same loss and gradients (fp32: 1e-5 relative;
bf16: stated tolerances), in both relative-shift modes."""
import pytest
import torch

from helpers import tiny_model


def loss_and_grads(model, batch, autocast=False):
    torch.manual_seed(0)  # the same SpecAugment masks for every model
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
        loss, _, _ = model(**batch)
    loss.backward()
    return loss.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def build(corpus, impl, unsafe):
    encoder = dict(dropout_rate=0.0, attention_impl=impl, batch_unsafe_relative_shift=unsafe)
    return tiny_model(corpus[1], encoder_conf=encoder).train()


@pytest.mark.parametrize("unsafe", [False, True])
def test_sdpa_matches_reference_fp32(corpus, batch, unsafe):
    ref_loss, ref_grads = loss_and_grads(build(corpus, "math", unsafe), batch)
    loss, grads = loss_and_grads(build(corpus, "sdpa", unsafe), batch)
    torch.testing.assert_close(loss, ref_loss, rtol=1e-5, atol=0)
    assert grads.keys() == ref_grads.keys()
    flat = lambda d: torch.cat([d[n].flatten() for n in sorted(d)])  # noqa: E731
    # All gradients together within 1e-5 relative; each tensor within 1e-4 (fp32
    # reassociation through the stack; the float64 test below shows the math is the same).
    assert (flat(grads) - flat(ref_grads)).norm() <= 1e-5 * flat(ref_grads).norm()
    total = flat(ref_grads).norm()
    for name, g in grads.items():  # floor: the key bias gradient is analytically zero
        assert (g - ref_grads[name]).norm() <= 1e-4 * ref_grads[name].norm() + 1e-8 * total, name


def test_sdpa_is_the_same_math_in_float64(corpus, batch):
    models = [build(corpus, impl, True).double() for impl in ("math", "sdpa")]
    feats, lengths = models[0].frontend(batch["speech"], batch["speech_lengths"])
    batch64 = {**batch, "speech": feats.double(), "speech_lengths": lengths}
    for m in models:  # features given: float64 from the first op on
        m.frontend = None
    (ref_loss, ref_grads), (loss, grads) = (loss_and_grads(m, batch64) for m in models)
    torch.testing.assert_close(loss, ref_loss, rtol=1e-12, atol=0)
    for name, g in grads.items():
        assert (g - ref_grads[name]).norm() <= 1e-10 * (ref_grads[name].norm() + 1e-6), name


def test_sdpa_bf16_autocast_close_to_fp32_reference(corpus, batch):
    """bf16 keeps ~3 significant digits: loss within 1%, every gradient tensor pointing
    the same way (cosine > 0.99)."""
    ref_loss, ref_grads = loss_and_grads(build(corpus, "math", True), batch)
    loss, grads = loss_and_grads(build(corpus, "sdpa", True), batch, autocast=True)
    assert abs(float(loss) - float(ref_loss)) / float(ref_loss) < 1e-2
    for name, g in grads.items():
        ref = ref_grads[name].flatten()
        if ref.norm() > 1e-8:
            assert torch.nn.functional.cosine_similarity(g.flatten(), ref, dim=0) > 0.99, name


def test_sdpa_eval_padding_invariant(corpus, batch):
    model = build(corpus, "sdpa", False).eval()
    with torch.no_grad():
        enc, lens, _ = model.encode(batch["speech"], batch["speech_lengths"])
        n = int(batch["speech_lengths"][1])
        alone, alone_lens, _ = model.encode(batch["speech"][1:2, :n], batch["speech_lengths"][1:2])
    torch.testing.assert_close(enc[1, : int(lens[1])], alone[0, : int(alone_lens[0])], atol=1e-5, rtol=1e-5)


def test_activation_checkpointing_same_gradients_and_batchnorm_statistics(corpus, batch):
    plain = tiny_model(corpus[1], encoder_conf=dict(dropout_rate=0.0)).train()
    ckpt = tiny_model(corpus[1], encoder_conf=dict(dropout_rate=0.0, checkpoint_activations=True)).train()
    (loss_a, grads_a), (loss_b, grads_b) = loss_and_grads(plain, batch), loss_and_grads(ckpt, batch)
    assert float(loss_a) == pytest.approx(float(loss_b), rel=1e-6)
    for name, g in grads_a.items():
        torch.testing.assert_close(grads_b[name], g, rtol=1e-5, atol=1e-7, msg=name)
    # One forward/backward: BatchNorm saw each batch once in both (not twice when recomputed).
    for (name, a), (_, b) in zip(plain.named_buffers(), ckpt.named_buffers()):
        torch.testing.assert_close(a.float(), b.float(), msg=name)


def test_short_training_runs_reach_the_same_validation_loss(corpus, tmp_path):
    """ESPnet's trainer, 6 updates of the tiny config with each attention path."""
    import yaml

    from helpers import STEP1, tiny_config, train

    losses = {}
    for impl in ("math", "sdpa"):
        (tmp_path / impl).mkdir()
        config = tiny_config(tmp_path / impl, "_asr")
        conf = yaml.safe_load(config.read_text())
        conf["encoder_conf"]["attention_impl"] = impl
        config.write_text(yaml.safe_dump(conf))
        out = tmp_path / impl / "exp"
        train(corpus, config, out, STEP1, "--max_epoch", "3")
        stats = torch.load(out / "checkpoint.pth", weights_only=False)["reporter"]["stats"]
        losses[impl] = float(stats[max(stats)]["valid"]["loss"])
    assert losses["sdpa"] == pytest.approx(losses["math"], rel=1e-3)
