"""Our FAMA architecture against FBK-fairseq's own outputs (test/fixtures/fbk_fairseq)."""
import json

import numpy as np
import pytest
import torch

from fama_espnet.import_fairseq import convert_state_dict, load_fairseq_checkpoint
from fama_espnet.inference import load_model

from helpers import ORACLE, run_cli

TOL = 1e-4


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The oracle checkpoint through the import CLI: an exp dir (and zip) as users get it."""
    from fama_espnet.bin.import_fairseq import main as import_fairseq

    out = tmp_path_factory.mktemp("import") / "fama_tiny"
    run_cli(import_fairseq, ["--checkpoint", str(ORACLE / "fama_tiny_asr_avg3.pt"), "--config",
                             str(ORACLE / "config.yaml"), "--spm_model", str(ORACLE / "spm_en_it_200_lid.model"),
                             "--dict", str(ORACLE / "spm_en_it_200_lid.txt"), "--outdir", str(out)])
    return out


@pytest.fixture(scope="module")
def oracle_model(imported):
    model, _ = load_model(imported / "config.yaml", imported / "model.pth")
    # The oracle gives fbank features (before CMVN): feed them past the waveform front-end,
    # so the imported normalisation is checked too.
    model.frontend = None
    return model


def test_every_weight_maps_one_to_one(oracle_model):
    ckpt = load_fairseq_checkpoint(str(ORACLE / "fama_tiny_asr_avg3.pt"))
    ours, dropped = convert_state_dict(ckpt["model"])
    assert len(ours) + len(dropped) == len(ckpt["model"])
    assert all(k.endswith((".pe", "_float_tensor", ".version")) for k in dropped)
    state = oracle_model.state_dict()
    assert set(ours) == set(state) - {"num_task_draws"}
    for key, value in ours.items():
        torch.testing.assert_close(state[key], value, rtol=0, atol=0, msg=key)


@pytest.fixture(scope="module")
def refs():
    return np.load(ORACLE / "inputs.npz"), np.load(ORACLE / "refs_asr.npz")


def batch(inputs):
    lengths = torch.from_numpy(inputs["lengths"])
    x = torch.zeros(len(lengths), int(lengths.max()), 80)
    for i, n in enumerate(lengths.tolist()):
        x[i, :n] = torch.from_numpy(inputs[f"utt{i}__raw"])
    return x, lengths


@pytest.mark.parametrize("mode", ["batch", "single"])
def test_encoder_and_ctc_heads_match_fairseq(oracle_model, refs, mode):
    inputs, ref = refs
    x, lengths = batch(inputs)
    m = oracle_model
    for i in range(len(lengths)):
        xi, li = (x, lengths) if mode == "batch" else (x[i : i + 1, : lengths[i]], lengths[i : i + 1])
        j = i if mode == "batch" else 0
        with torch.no_grad():
            enc, enc_lens, inter = m.encode(xi, li)
            n = int(enc_lens[j])
            got = {
                "encoder_out": enc[j, :n],
                "layer2_out": inter[j, :n],
                "ctc_inter_logits": m.inter_ctc(inter)[j, :n],
            }
            for lang in ("en", "it"):
                tag = torch.full((enc.size(0),), m.lang_ids[lang])
                got[f"ctc_final_logits_{lang}"] = m.ctc.ctc_lo(m.final_ctc_input(enc, tag))[j, :n]
        for name, value in got.items():
            want = ref[f"{mode}__utt{i}__{name}"]
            np.testing.assert_allclose(value.numpy(), want, atol=TOL, rtol=0, err_msg=f"utt{i} {name}")


def test_decoder_logprobs_match_fairseq(oracle_model, refs):
    inputs, ref = refs
    x, lengths = batch(inputs)
    prev = torch.from_numpy(ref["dec_prev_tokens"])
    with torch.no_grad():
        enc, enc_lens, _ = oracle_model.encode(x, lengths)
        logits, _ = oracle_model.decoder(enc, enc_lens, prev, torch.full((len(prev),), prev.size(1)))
    lprobs = torch.log_softmax(logits, -1)
    for i in range(len(prev)):
        np.testing.assert_allclose(lprobs[i].numpy(), ref[f"batch__utt{i}__dec_lprobs"], atol=TOL, rtol=0)


def nbest_of(hyps):
    """(tokens without <sos>, length-normalised score) of each hypothesis, as generate prints them."""
    return [(h.yseq.tolist()[1:], float(h.score) / (len(h.yseq) - 1)) for h in hyps]


def assert_same_nbest(got, want, what):
    """Same tokens in the same order, every score within TOL."""
    assert [t for t, _ in got] == [h["tokens"] for h in want], what
    assert [s for _, s in got] == pytest.approx([h["score"] for h in want], abs=TOL), what


@pytest.mark.parametrize("mode,ctc_weight", [("standard", 0.0), ("jointctc", 0.2)])
def test_decoding_reproduces_fairseq_generate(oracle_model, refs, mode, ctc_weight):
    """FAMA's two generate commands (with --max-len-b 30) on the 4 oracle utterances: with
    fairseq's beam semantics the fast search gives generate's 5-best (tokens, order, scores);
    the ESPnet reference (ESPnet's semantics) gives its 1-best."""
    from fama_espnet.decoding import DecodingOptions
    from fama_espnet.decoding.fast import FastBeamSearch
    from fama_espnet.decoding.reference import FamaBeamSearch

    inputs, _ = refs
    x, lengths = batch(inputs)
    generated = json.loads((ORACLE / "generate_hyps.json").read_text())["results"]["asr"][mode]["hypotheses"]
    by_id = {h["id"]: h for h in generated}
    tags = torch.tensor([by_id[f"utt{i}"]["prefix_tokens"][0] for i in range(len(lengths))])
    fairseq = FastBeamSearch(oracle_model, DecodingOptions(ctc_weight=ctc_weight, max_len=30, nbest=5))
    espnet = FamaBeamSearch(oracle_model, DecodingOptions(ctc_weight=ctc_weight, max_len=30,
                                                          beam_semantics="espnet"))
    with torch.no_grad():
        enc, enc_lens, _ = oracle_model.encode(x, lengths)
        ours, reference = fairseq.decode(enc, enc_lens, tags), espnet.decode(enc, enc_lens, tags)
    for i in range(len(lengths)):
        want = by_id[f"utt{i}"]["nbest"]
        assert_same_nbest(nbest_of(ours[i]), want, f"utt{i}")
        assert_same_nbest(nbest_of(reference[i])[:1], want[:1], f"utt{i} (ESPnet reference)")


@pytest.fixture(scope="module")
def more():
    """The 40 further inputs of test/fixtures/fbk_fairseq/more, encoded as one padded batch
    (batched and single-utterance encoder outputs agree within TOL), and generate's outputs."""
    inputs = np.load(ORACLE / "more" / "inputs_more.npz")
    generated = json.loads((ORACLE / "more" / "generate_more.json").read_text())
    lengths = torch.from_numpy(inputs["lengths"])
    x = torch.zeros(len(lengths), int(lengths.max()), 80)
    for i, n in enumerate(lengths.tolist()):
        x[i, :n] = torch.from_numpy(inputs[f"utt{i}__raw"])
    return x, lengths, generated


# The six generate settings of more/README.md: key -> (beam, --max-len-b, --ctc-decode-weight).
MORE_SETTINGS = ["standard", "jointctc", "standard_len60", "jointctc_len60", "standard_beam10", "jointctc_w05"]


@pytest.mark.parametrize("setting", MORE_SETTINGS)
def test_fairseq_semantics_reproduce_generate_on_40_inputs(oracle_model, more, setting):
    """fairseq beam semantics against FBK-fairseq's generate --nbest 5 on 40 inputs: every
    1-best (tokens, score) and every 5-best list (tokens and order, scores within TOL).
    Where generate's padded batch hit FBK's CTC padding quirk (more/README.md: `<s>` free on
    padded frames, only utt13 ranks 2-4 in joint decoding) the reference is generate's
    --batch-size 1 run of that utterance, which has no padding: we never pad the CTC."""
    from fama_espnet.decoding import DecodingOptions
    from fama_espnet.decoding.fast import FastBeamSearch

    x, lengths, generated = more
    run = generated["results"]["asr"][setting]
    conf = run["setting"]
    unpadded = {h["id"]: h for h in run["batch_size_1_hypotheses_where_different"]}
    assert sorted(unpadded) == sorted({e.split("/")[0] for e in run["batch_size_1_differing"]})
    want = [unpadded.get(h["id"], h)["nbest"] for h in run["hypotheses"]]
    tags = torch.tensor([h["prefix_tokens"][0] for h in run["hypotheses"]])
    options = DecodingOptions(beam_size=conf["beam"], max_len=conf["max_len_b"],
                              ctc_weight=conf["ctc_decode_weight"] or 0.0, nbest=5, beam_semantics="fairseq")
    with torch.no_grad():
        enc, enc_lens, _ = oracle_model.encode(x, lengths)
        ours = [nbest_of(h) for h in FastBeamSearch(oracle_model, options).decode(enc, enc_lens, tags)]
    assert len(ours) == len(want) == 40
    one_best = [i for i in range(40) if ours[i][0][0] != want[i][0]["tokens"]
                or abs(ours[i][0][1] - want[i][0]["score"]) > TOL]
    assert one_best == [], f"{setting}: 1-best differs for utt{one_best}"
    for i in range(40):
        assert_same_nbest(ours[i], want[i], f"{setting} utt{i}")
