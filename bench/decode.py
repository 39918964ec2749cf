"""Decoding speed: our fast search against stock ESPnet's beam search, same process.

Stock = ESPnet 202611's BatchBeamSearch with FAMA's rules as ESPnet scorers
(`fama_espnet.decoding.reference.FamaBeamSearch`, `search: espnet`): per utterance (classic
Speech2Text) and utterance-batched (202611 batch_decode); it has ESPnet's beam semantics.
Ours = `FastBeamSearch` with the same (`beam_semantics: espnet`, outputs compared with
stock's) and with fairseq's (`beam_semantics: fairseq`, FAMA's generate; its cost is
reported against ours with ESPnet's semantics). Same model, same inputs, same options
(beam 5, joint CTC 0.2, FAMA's rules); RTFx = audio seconds / wall seconds of encoder + search.

  # CPU: a trained mini_fama model on its test set (real speech)
  python bench/decode.py --model egs2/mini_fama/s2t1/exp/fama_mini.zip --data egs2/mini_fama/s2t1/dump/raw/test \
      --per_utt 200 --batch_seconds 60
  # CPU: FBK-fairseq's tiny checkpoint (imported) on the 40 fbank inputs of its generate oracle
  python bench/decode.py --model IMPORTED_EXP_DIR --feats test/fixtures/fbk_fairseq/more/inputs_more.npz \
      --max_len 30 --per_utt 40 --repeat 3
  # GPU: FAMA-medium shape, random weights, 32 utterances of 5-20 s
  python bench/decode.py --size medium --dtype bf16

Random weights: the decoder's </s> row is zeroed and the other rows sharpened, so
hypotheses run until </s> is forced at max_len = 0.25 x the mean encoder frames (10 s
of audio -> ~62 tokens), which holds output length between 0.2 and 0.3 x encoder frames
as ../shared/bench/espnet_baseline.py does for the stock figures.
"""
import argparse
import json
import logging
import random
import time
from dataclasses import replace
from pathlib import Path

import torch

logging.disable(logging.WARNING)

from fama_espnet.bin.decode import length_batches  # noqa: E402
from fama_espnet.data import speech_format  # noqa: E402
from fama_espnet.decoding import DecodingOptions  # noqa: E402
from fama_espnet.decoding.fast import FastBeamSearch  # noqa: E402
from fama_espnet.decoding.reference import FamaBeamSearch  # noqa: E402
from fama_espnet.task import FamaTask, load_config  # noqa: E402

CONF = Path(__file__).resolve().parents[1] / "conf"
SIZES = {
    "tiny": dict(d=64, heads=4, ffn=256, enc=2, dec=2, inter=1, vocab=500, conf="small"),
    "small": dict(d=1024, heads=16, ffn=4096, enc=12, dec=6, inter=8, vocab=16001, conf="small"),
    "medium": dict(d=1024, heads=16, ffn=4096, enc=24, dec=12, inter=16, vocab=16001, conf="medium"),
}


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def random_model(s):
    tokens = ["<blank>", "<unk>", "<lang:en>", "<lang:it>"] + [f"p{i}" for i in range(s["vocab"] - 5)] + ["<sos/eos>"]
    overrides = dict(
        input_size=80, frontend=None, specaug=None,
        encoder_conf=dict(output_size=s["d"], attention_heads=s["heads"], linear_units=s["ffn"],
                          num_blocks=s["enc"], conv_channels=s["d"], interctc_layer_idx=[s["inter"]]),
        decoder_conf=dict(attention_heads=s["heads"], linear_units=s["ffn"], num_blocks=s["dec"]),
    )
    torch.manual_seed(0)
    model = FamaTask.build_model(load_config(CONF / f"train_fama_{s['conf']}.yaml", overrides, tokens))
    with torch.no_grad():
        model.decoder.output_layer.weight.mul_(8)
        model.decoder.output_layer.weight[model.eos] = 0.0
    return model.eval()


def random_inputs(n, seed=1):
    rnd, g = random.Random(0), torch.Generator().manual_seed(seed)
    seconds = [round(rnd.uniform(5, 20), 2) for _ in range(n)]
    return [torch.randn(int(x * 100), 80, generator=g) for x in seconds], ["en", "it"] * (n // 2), seconds


def speech_inputs(data):
    from fama_espnet.data.fairseq_audio import load_entry
    from fama_espnet.data.kaldi_dir import read_table

    wavs, langs = read_table(data / "wav.scp"), read_table(data / "utt2tgtlang")
    utts = sorted(wavs)
    speech = [torch.from_numpy(load_entry(wavs[u])) for u in utts]
    # A waveform's samples or an fbank dir's frames (a model trained on fbank reads those).
    seconds = [len(x) / (speech_format.SAMPLE_RATE if x.dim() == 1 else speech_format.FRAME_RATE) for x in speech]
    return speech, [langs[u] for u in utts], seconds


def feats_inputs(path):
    """fbank inputs of an oracle npz (utt{i}__raw [T, 80]); target tag en for even i, it for odd."""
    import numpy as np

    feats = np.load(path)
    speech = [torch.from_numpy(feats[f"utt{i}__raw"]) for i in range(len(feats["lengths"]))]
    return speech, ["en", "it"] * (len(speech) // 2) + ["en"] * (len(speech) % 2), [len(x) / 100 for x in speech]


def run(model, search, inputs, langs, dev, dtype, batches):
    """(wall seconds, token sequences) of encoder + search over `inputs`, batch by batch
    (`batches`: lists of indices)."""
    out = []
    sync(dev)
    t = time.perf_counter()
    with torch.no_grad(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=dtype == "bf16"):
        for idx in batches:
            chunk = [inputs[i] for i in idx]
            x = torch.nn.utils.rnn.pad_sequence(chunk, batch_first=True).to(dev)
            lengths = torch.tensor([len(c) for c in chunk], device=dev)
            if isinstance(search, FastBeamSearch):
                enc, enc_lens = model.encode_sorted(x, lengths)  # ours: length-sorted chunks
            else:
                enc, enc_lens, _ = model.encode(x, lengths)  # ESPnet's: one padded batch
            tags = torch.tensor([model.lang_ids[langs[i]] for i in idx], device=dev)
            out += [[h.yseq.tolist() for h in nbest] for nbest in search.decode(enc, enc_lens, tags)]
    sync(dev)
    return time.perf_counter() - t, out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", help="packed zip or exp dir of a trained model (with --data)")
    p.add_argument("--data", type=Path, help="formatted data dir (wav.scp, utt2tgtlang): ST into the other language")
    p.add_argument("--feats", type=Path,
                   help="instead of --data: npz of fbank features (utt{i}__raw), front-end skipped")
    p.add_argument("--max_len", type=int, default=200, help="with --model: max output tokens (--max-len-b)")
    p.add_argument("--repeat", type=int, default=1, help="timed runs of each fast search; the fastest counts")
    p.add_argument("--size", choices=SIZES, default="tiny", help="random-weight model shape (without --model)")
    p.add_argument("--utts", type=int, default=32, help="random inputs (without --data)")
    p.add_argument("--dtype", choices=["fp32", "bf16", "int8"], default="fp32",
                   help="int8: linear layers dynamically quantised (CPU; the decode CLI's --dtype int8)")
    p.add_argument("--ctc_weight", type=float, default=0.2)
    p.add_argument("--per_utt", type=int, default=8, help="utterances decoded one at a time (0: none)")
    p.add_argument("--no_stock", action="store_true",
                   help="skip stock ESPnet (FAMA-small on 16 inputs, CTC 0.2: over 40 minutes on 2 CPU cores)")
    p.add_argument("--batch_seconds", type=float, default=0.0,
                   help="batched modes: padded audio per batch, as the decode CLI (0: all inputs in one batch)")
    a = p.parse_args()
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if a.model:
        from fama_espnet.inference import FamaSpeech2Text

        model = FamaSpeech2Text.from_pretrained(a.model).model
        if a.feats:
            model.frontend = None
            inputs, langs, seconds = feats_inputs(a.feats)
        else:
            inputs, langs, seconds = speech_inputs(a.data)
        opt = DecodingOptions(ctc_weight=a.ctc_weight, max_len=a.max_len, beam_semantics="espnet")
        name = f"{a.model} on {a.feats or a.data}"
    else:
        model = random_model(SIZES[a.size])
        inputs, langs, seconds = random_inputs(a.utts)
        frames = sum(len(x) for x in inputs) / len(inputs) / 4  # 4x subsampling
        opt = DecodingOptions(ctc_weight=a.ctc_weight, max_len=int(0.25 * frames), beam_semantics="espnet")
        name = f"random FAMA-{a.size}"
    model.to(dev)
    if a.dtype == "int8":
        from fama_espnet.inference import quantize_int8

        quantize_int8(model)
    # Length-sorted, as the recipe's decoding stage batches.
    order = sorted(range(len(inputs)), key=lambda i: len(inputs[i]))
    inputs, langs, seconds = [inputs[i] for i in order], [langs[i] for i in order], [seconds[i] for i in order]
    device = torch.cuda.get_device_name(0) if dev.type == "cuda" else f"cpu x{torch.get_num_threads()}"
    print(f"{name}: {len(inputs)} utterances, {sum(seconds):.0f} s of audio, {device}, {a.dtype}, "
          f"beam {opt.beam_size}, ctc {opt.ctc_weight}")
    stock, fast = FamaBeamSearch(model, opt), FastBeamSearch(model, opt)
    fairseq = FastBeamSearch(model, replace(opt, beam_semantics="fairseq"))
    results = {}
    n = min(a.per_utt, len(inputs))
    batched = (length_batches(list(range(len(inputs))), dict(enumerate(seconds)), a.batch_seconds)
               if a.batch_seconds > 0 else [list(range(len(inputs)))])
    modes = {"per_utt": (n, [[i] for i in range(n)]), "batched": (len(inputs), batched)} if n else \
        {"batched": (len(inputs), batched)}
    systems = {"ours": fast, "fairseq": fairseq, **({} if a.no_stock else {"espnet": stock})}
    # Warm-up (kernels, allocator) on one batch of the fast path.
    run(model, fast, inputs, langs, dev, a.dtype, [list(range(4))])
    for mode, (count, batches) in modes.items():
        for name, search in systems.items():
            if dev.type == "cuda":
                torch.cuda.reset_peak_memory_stats()
            repeat = 1 if search is stock else a.repeat  # stock is slow and its own reference
            wall, hyps = min((run(model, search, inputs, langs, dev, a.dtype, batches) for _ in range(repeat)),
                             key=lambda r: r[0])
            r = dict(utts=count, wall_s=round(wall, 2), rtfx=round(sum(seconds[:count]) / wall, 1))
            if dev.type == "cuda":
                r["peak_mem_gb"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
            results[f"{name}_{mode}"] = (r, hyps)
            print(json.dumps({"system": name, "mode": mode, **r}), flush=True)  # a long run loses nothing
    for mode in modes:
        (f, fh), (q, qh) = results[f"ours_{mode}"], results[f"fairseq_{mode}"]
        line = {"mode": mode, "ours": f, "ours_fairseq_semantics": q,
                "fairseq_vs_espnet_semantics_cost": round(q["wall_s"] / f["wall_s"], 2),
                "same_1best_as_espnet_semantics": f"{sum(x[0] == y[0] for x, y in zip(fh, qh))}/{len(fh)}"}
        if f"espnet_{mode}" in results:
            s, sh = results[f"espnet_{mode}"]
            line.update(espnet=s, speedup=round(f["rtfx"] / s["rtfx"], 1),
                        identical_nbest=f"{sum(x == y for x, y in zip(sh, fh))}/{len(sh)}")
        print(json.dumps(line))
    if "espnet_per_utt" in results:
        per_utt = results["espnet_per_utt"][0]
        print(json.dumps({name: round(results[f"{key}_batched"][0]["rtfx"] / per_utt["rtfx"], 1)
                          for name, key in (("ours_batched_vs_espnet_per_utt", "ours"),
                                            ("fairseq_batched_vs_espnet_per_utt", "fairseq"))}))

if __name__ == "__main__":
    main()
