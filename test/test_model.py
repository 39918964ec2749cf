"""FamaModel's losses, each checked against an independent torch computation, on a
tiny-dims model built from the real FAMA-small config and real (espeak) speech."""

import pytest
import torch
import torch.nn.functional as F

from fama_espnet.losses import label_smoothed_nll
from fama_espnet.tokens import read_token_list

from helpers import tiny_model


def test_forward_backward_on_real_speech(corpus, batch):
    model = tiny_model(corpus[1]).train()
    loss, stats, weight = model(**batch)
    loss.backward()
    grads = {n: p.grad for n, p in model.named_parameters()}
    assert torch.isfinite(loss) and loss > 0
    assert weight == (batch["text_lengths"] + 1).sum()
    # Every head and both stacks learn from one batch (the decoder's unused rows aside).
    for prefix in ("encoder.subsample", "encoder.conformer_layers.0", "inter_ctc", "ctc.ctc_lo",
                   "ctc_lang_norm", "decoder.decoders.1"):
        assert any(g is not None and g.abs().sum() > 0 for n, g in grads.items() if n.startswith(prefix)), prefix
    assert {"loss_ctc_inter", "loss_att", "loss_ctc", "acc", "asr_fraction"} <= set(stats)


def test_label_smoothing_is_fairseqs():
    torch.manual_seed(0)
    lprobs = torch.randn(7, 11).log_softmax(-1)
    target = torch.tensor([3, 0, 10, -1, 5, 5, -1])
    eps = 0.1
    loss, nll = label_smoothed_nll(lprobs, target, eps)
    keep = target != -1
    dist = torch.full((keep.sum(), 11), eps / 10)  # 1 - eps on the true class, eps/(V-1) elsewhere
    dist.scatter_(1, target[keep][:, None], 1 - eps)
    expected = -(dist * lprobs[keep]).sum()
    torch.testing.assert_close(loss, expected)
    torch.testing.assert_close(nll, F.nll_loss(lprobs[keep], target[keep], reduction="sum"))


def reference_losses(model, batch, task):
    """FAMA's three terms computed directly from the model's heads with torch ops."""
    enc, enc_lens, inter = model.encode(batch["speech"], batch["speech_lengths"])
    src = [t[:n] for t, n in zip(batch["text"], batch["text_lengths"])]
    if task == "asr":
        ys, tags = src, batch["src_lang"].view(-1)
    else:
        ys = [t[:n] for t, n in zip(batch["text_tgt"], batch["text_tgt_lengths"])]
        tags = batch["tgt_lang"].view(-1)

    def ctc(logits, targets):
        return F.ctc_loss(logits.log_softmax(-1).transpose(0, 1), torch.cat(targets), enc_lens,
                          torch.tensor([len(t) for t in targets]), blank=model.blank_id,
                          reduction="sum", zero_infinity=True)

    inter_loss = ctc(model.inter_ctc(inter), src)
    emb = model.decoder.embed[0].weight[tags]  # raw tag embedding
    final_in = F.layer_norm(enc + emb[:, None], (enc.size(-1),), model.ctc_lang_norm.weight,
                            model.ctc_lang_norm.bias, model.ctc_lang_norm.eps)
    final_loss = ctc(model.ctc.ctc_lo(final_in), ys)
    att = 0.0
    for i, y in enumerate(ys):
        dec_in = torch.cat([torch.tensor([model.sos, tags[i]]), y])[None]
        logits, _ = model.decoder(enc[i : i + 1, : enc_lens[i]], enc_lens[i : i + 1], dec_in,
                                  torch.tensor([dec_in.size(1)]))
        target = torch.cat([y, torch.tensor([model.eos])])  # the tag's own position is skipped
        dist = torch.full((len(target), model.vocab_size), 0.1 / (model.vocab_size - 1))
        dist.scatter_(1, target[:, None], 0.9)
        att = att + F.cross_entropy(logits[0, 1:], dist, reduction="sum")
    return inter_loss, att, final_loss


def test_each_loss_term_and_their_sum(corpus, batch):
    model = tiny_model(corpus[1]).eval()
    with torch.no_grad():
        loss, stats, weight = model(**batch)
        # ESPnet's 1-dim outputs, compared as the scalars they are.
        loss, stats = loss.squeeze(0), {k: v.squeeze(0) for k, v in stats.items()}
        ntok = (batch["text_lengths"] + 1).sum()
        total = 0.0
        for task in ("asr", "st"):
            inter, att, ctc = reference_losses(model, batch, task)
            torch.testing.assert_close(stats["loss_ctc_inter"], inter / ntok)
            torch.testing.assert_close(stats[f"loss_att_{task}"], att / ntok)
            torch.testing.assert_close(stats[f"loss_ctc_{task}"], ctc / ntok)
            task_total = (1.0 * inter + 5.0 * att + 2.0 * ctc) / ntok
            torch.testing.assert_close(stats[f"loss_{task}"], task_total)
            total = total + task_total
    torch.testing.assert_close(loss, total)  # validation: ASR loss + ST loss
    assert {"ter_ctc_inter", "ter_ctc_asr", "ter_ctc_st", "acc_asr", "acc_st"} <= set(stats)


def test_loss_weights_are_configurable(corpus, batch):
    base = tiny_model(corpus[1]).eval()
    other = tiny_model(corpus[1], interctc_weight=0.5, att_weight=1.0, ctc_weight=0.0).eval()
    other.load_state_dict(base.state_dict())
    with torch.no_grad():
        _, s, _ = other(**batch)
    for task in ("asr", "st"):
        torch.testing.assert_close(s[f"loss_{task}"], 0.5 * s["loss_ctc_inter"] + s[f"loss_att_{task}"])


def test_step1_model_trains_asr_on_data_without_translation(corpus, batch):
    model = tiny_model(corpus[1], "train_fama_small_asr.yaml").train()
    asr_only = {k: v for k, v in batch.items() if not k.startswith(("text_tgt", "tgt_lang"))}
    loss, stats, _ = model(**asr_only)
    assert stats["asr_fraction"] == 1.0 and "loss_st" not in stats


def test_step2_model_rejects_batches_without_translation(corpus, batch):
    model = tiny_model(corpus[1]).train()
    asr_only = {k: v for k, v in batch.items() if not k.startswith(("text_tgt", "tgt_lang"))}
    with pytest.raises(ValueError, match="no translation"):
        model(**asr_only)


def test_token_list_without_language_tags_is_rejected(corpus, tmp_path):
    tokens = [t for t in read_token_list(str(corpus[1])) if t != "<lang:it>"]
    with pytest.raises(ValueError, match=r"lacks \['<lang:it>'\]"):
        tiny_model(tokens_file(tmp_path, tokens))


def tokens_file(tmp_path, tokens):
    p = tmp_path / "tokens.txt"
    p.write_text("\n".join(tokens) + "\n")
    return p


def test_encode_sorted_equals_one_padded_batch(corpus):
    """Decoding encodes in length-sorted chunks: the same outputs as one padded batch."""
    import soundfile as sf

    from fama_espnet.data.kaldi_dir import read_table

    wavs = read_table(corpus[0] / "wav.scp")
    speech = [torch.from_numpy(sf.read(wavs[u], dtype="float32")[0]) for u in sorted(wavs)]
    lengths = torch.tensor([len(x) for x in speech])
    x = torch.nn.utils.rnn.pad_sequence(speech, batch_first=True)
    model = tiny_model(corpus[1]).eval()
    with torch.no_grad():
        enc, enc_lens, _ = model.encode(x, lengths)
        sorted_enc, sorted_lens = model.encode_sorted(x, lengths, max_padding=0.05)
    assert torch.equal(enc_lens, sorted_lens)
    assert sorted_enc.size(1) == int(enc_lens.max())
    for i, n in enumerate(enc_lens.tolist()):
        torch.testing.assert_close(sorted_enc[i, :n], enc[i, :n], atol=1e-5, rtol=1e-4)
        assert not sorted_enc[i, n:].any()


@pytest.mark.parametrize("max_padding", [0.0, 0.1, 0.5])
def test_padding_chunks_bound_padding(max_padding):
    from fama_espnet.model import padding_chunks

    g = torch.Generator().manual_seed(0)
    lengths = torch.randint(50, 2000, (40,), generator=g).tolist()
    chunks = padding_chunks(lengths, max_padding)
    assert sorted(i for c in chunks for i in c) == list(range(40))
    for c in chunks:
        padded = len(c) * max(lengths[i] for i in c)
        assert padded - sum(lengths[i] for i in c) <= max_padding * padded
        assert lengths[c[0]] == max(lengths[i] for i in c)
    # Runs are greedy over the sorted order: the next chunk's first would not fit.
    for c, nxt in zip(chunks, chunks[1:]):
        run = c + nxt[:1]
        assert len(run) * lengths[c[0]] - sum(lengths[i] for i in run) > max_padding * len(run) * lengths[c[0]]
    assert len(padding_chunks([7] * 5, 0.0)) == 1
