"""The fast search against the reference (ESPnet's BatchBeamSearch with FAMA's scorers):
same n-best token sequences, scores within 1e-4, over a random-weight FAMA-shaped model
(100 utterances per setting) and a model trained by ESPnet's trainer on real speech.

Ties: both searches rank with torch.topk; their float sums differ in the last bits
(cached vs recomputed attention, float64 vs float32 CTC recursion), so two candidates
whose scores agree to ~1e-6 may be ordered differently. The random model's output
layers are sharpened so that such near-ties do not occur in these inputs."""
import pytest
import torch

from espnet2.legacy.nets.ctc_prefix_score import CTCPrefixScoreTH

from fama_espnet.decoding import DecodingOptions
from fama_espnet.decoding.ctc_prefix import CTCPrefixScore
from fama_espnet.decoding.fast import FastBeamSearch
from fama_espnet.decoding.reference import FamaBeamSearch
from fama_espnet.inference import FamaSpeech2Text
from fama_espnet.task import FamaTask, load_config

from helpers import CONF, TINY

V = 300


@pytest.fixture(scope="module")
def random_model():
    tokens = ["<blank>", "<unk>", "<lang:en>", "<lang:it>"] + [f"p{i}" for i in range(V - 5)] + ["<sos/eos>"]
    torch.manual_seed(0)
    model = FamaTask.build_model(load_config(CONF / "train_fama_small.yaml", TINY, token_list=tokens)).eval()
    with torch.no_grad():  # peaky distributions, as a trained model's (no near-ties)
        model.decoder.output_layer.weight.mul_(8)
        model.ctc.ctc_lo.weight.mul_(4)
    return model


@pytest.fixture(scope="module")
def encoder_batch():
    g = torch.Generator().manual_seed(1)
    lengths = torch.randint(6, 40, (100,), generator=g)
    return torch.randn(100, int(lengths.max()), 32, generator=g), lengths, torch.tensor([2, 3] * 50)


def assert_same(ref, fast):
    for i, (a, b) in enumerate(zip(ref, fast)):
        assert [h.yseq.tolist() for h in a] == [h.yseq.tolist() for h in b], f"utterance {i}"
        assert [float(h.score) for h in a] == pytest.approx([float(h.score) for h in b], abs=1e-4)


SETTINGS = {
    "attention beam 1": dict(beam_size=1, ctc_weight=0.0),
    "attention beam 5": dict(beam_size=5, ctc_weight=0.0),
    "joint beam 1": dict(beam_size=1, ctc_weight=0.2),
    "joint beam 5": dict(beam_size=5, ctc_weight=0.2),
    "joint 0.5, 3-gram block, unnormalised": dict(beam_size=3, ctc_weight=0.5, no_repeat_ngram_size=3,
                                                  normalize_length=False),
    "short max_len, no unk ban": dict(beam_size=4, ctc_weight=0.2, max_len=4, penalty_unk=0.0),
}


@pytest.mark.parametrize("setting", SETTINGS)
def test_random_model_same_nbest(random_model, encoder_batch, setting):
    opt = DecodingOptions(**{"max_len": 25, "nbest": 5, "beam_semantics": "espnet", **SETTINGS[setting]})
    enc, lengths, tags = encoder_batch
    if setting.startswith("joint 0.5") or setting.startswith("short"):
        enc, lengths, tags = enc[:30], lengths[:30], tags[:30]
    assert_same(FamaBeamSearch(random_model, opt).decode(enc, lengths, tags),
                FastBeamSearch(random_model, opt).decode(enc, lengths, tags))


@pytest.mark.parametrize("ctc_weight", [0.0, 0.2])
def test_trained_model_same_nbest_on_speech(corpus, tiny_exp, ctc_weight):
    import soundfile as sf

    from fama_espnet.data.kaldi_dir import read_table

    s2t = FamaSpeech2Text.from_pretrained(tiny_exp)
    model = s2t.model
    wavs = read_table(corpus[0] / "wav.scp")
    speech = [torch.from_numpy(sf.read(wavs[u], dtype="float32")[0]) for u in sorted(wavs)]
    enc, enc_lens, _ = model.encode(torch.nn.utils.rnn.pad_sequence(speech, batch_first=True),
                                    torch.tensor([len(s) for s in speech]))
    for lang in ("en", "it"):
        tags = torch.full((len(speech),), model.lang_ids[lang])
        opt = DecodingOptions(ctc_weight=ctc_weight, max_len=15, nbest=5, beam_semantics="espnet")
        with torch.no_grad():
            assert_same(FamaBeamSearch(model, opt).decode(enc, enc_lens, tags),
                        FastBeamSearch(model, opt).decode(enc, enc_lens, tags))


def test_ctc_prefix_delta_equals_espnet_full_vocabulary():
    """Three steps along random prefixes, every candidate token, padded utterances."""
    g = torch.Generator().manual_seed(0)
    b, t, v, blank, eos = 3, 30, 12, 0, 11
    lengths = torch.tensor([30, 17, 9])
    logp = torch.log_softmax(3 * torch.randn(b, t, v, generator=g), -1)
    ours, ref = CTCPrefixScore(logp, lengths, blank, eos), CTCPrefixScoreTH(logp, lengths, blank, eos)
    state, ys = None, torch.full((b, 1), eos)  # ESPnet's CTC sequences start with one primer token
    for step in range(3):
        ref_scores, state = ref(ys, state)
        rows = torch.arange(b).repeat_interleave(v)
        delta = ours.delta(rows, torch.arange(v).repeat(b)).view(b, v)
        ok = ~torch.isin(torch.arange(v), torch.tensor([blank]))  # ESPnet gives blank LOG_ZERO
        torch.testing.assert_close(delta[:, ok].float(), ref_scores[:, ok],
                                   atol=1e-4, rtol=1e-5)
        nxt = torch.randint(1, v - 1, (b,), generator=g)
        ours.advance(torch.arange(b), nxt)
        state = ref.index_select_state(state, nxt[:, None])  # (utterance, h * V + v), h = 0
        ys = torch.cat([ys, nxt[:, None]], 1)


def test_fairseq_semantics_pruned_ctc_equals_full_vocabulary(random_model, encoder_batch, monkeypatch):
    """The bound pruning selects fairseq's 2 x beam candidates exactly: same n-best as
    CTC-scoring every candidate of every step."""
    import fama_espnet.decoding.fast as fast

    opt = DecodingOptions(beam_size=4, ctc_weight=0.3, max_len=15, nbest=4, beam_semantics="fairseq")
    enc, lengths, tags = (t[:16] for t in encoder_batch)
    pruned = FastBeamSearch(random_model, opt).decode(enc, lengths, tags)
    monkeypatch.setattr(fast, "FIRST_CANDIDATES_PER_BEAM", 10 ** 6)  # first chunk = whole vocabulary
    assert_same(FastBeamSearch(random_model, opt).decode(enc, lengths, tags), pruned)


def test_fairseq_beam_rules():
    """2 x beam candidates best first: </s> among the first `beam` is final while fewer than
    `beam` are (in rank order), </s> further down is dropped, the first `beam` others run on."""
    from fama_espnet.decoding.fast import FairseqBeam

    eos, inf = 9, float("inf")
    total = torch.tensor([[-1.0, -2.0, -3.0, -4.0, -5.0, -6.0],
                          [-1.0, -2.0, -3.0, -4.0, -inf, -inf]])
    token = torch.tensor([[eos, 4, eos, eos, 5, 6],  # 2 final already: only rank 1 fits; rank 4 dropped
                          [7, eos, 8, eos, eos, 1]])  # a -inf </s> is a dead slot, not final
    final, keep = FairseqBeam(3, eos).split(total, token, torch.tensor([2, 0]))
    assert final.tolist() == [[True, False, False, False, False, False],
                              [False, True, False, False, False, False]]
    assert keep.tolist() == [[1, 4, 5], [0, 2, 4]]


def test_cross_attention_memory_groups_pad_each_to_its_longest_and_follow_dropped_rows(random_model):
    """The decoder's cross-attention memory in groups of similar length: each group padded
    only to its own longest; dropping finished utterances renumbers the rows kept; a step
    over groups gives the log-probs of a step over one padded batch."""
    from fama_espnet.model import MAX_CHUNK_PADDING, padding_chunks

    dec = random_model.decoder
    g = torch.Generator().manual_seed(2)
    lengths = torch.tensor([40, 6, 38, 7, 21])
    enc = torch.randn(5, 40, 32, generator=g)
    groups = padding_chunks(lengths.tolist(), MAX_CHUNK_PADDING)
    assert len(groups) > 1
    grouped, whole = dec.memory_kv(enc, lengths, groups), dec.memory_kv(enc, lengths, [list(range(5))])
    for rows, pad, kv in grouped.groups:
        assert pad.size(-1) == int(lengths[rows].max()) == kv[0][0].size(-1)
    assert len(whole.groups) == 1 and whole.groups[0][0] is None and whole.groups[0][1].size(-1) == 40

    def first_step(memory, n):
        cache = dec.new_cache(n)
        return dec.step(torch.full((n, 1), random_model.sos), 0, cache, memory)

    with torch.no_grad():
        torch.testing.assert_close(first_step(grouped, 5), first_step(whole, 5), rtol=0, atol=1e-5)
        keep = torch.tensor([0, 3, 4])  # utterances 1 and 2 finished
        grouped.select(keep)
        whole.select(keep)
        assert sorted(torch.cat([r for r, _, _ in grouped.groups]).tolist()) == [0, 1, 2]
        torch.testing.assert_close(first_step(grouped, 3), first_step(whole, 3), rtol=0, atol=1e-5)
        n_groups = len(grouped.groups)
        keep = torch.tensor([0, 2])  # the 7-frame utterance finished: its group is gone
        grouped.select(keep)
        whole.select(keep)
        assert len(grouped.groups) == n_groups - 1
        torch.testing.assert_close(first_step(grouped, 2), first_step(whole, 2), rtol=0, atol=1e-5)
        with pytest.raises(ValueError, match="holds 2 utterances, step got 3"):
            first_step(grouped, 3)
    with pytest.raises(ValueError, match=r"utterances \[1\] of the batch have no encoder frames"):
        dec.memory_kv(enc, torch.tensor([40, 0, 38, 7, 21]), [[0, 1, 2, 3, 4]])
