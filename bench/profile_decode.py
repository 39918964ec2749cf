"""Where decoding time goes: the fast search's phases timed on the CPU, the same random
FAMA-shaped model and inputs as bench/decode.py (output length held the same way).

    python bench/profile_decode.py --size small --utts 16            # both modes
    python bench/profile_decode.py --size small --utts 16 --ctc_weight 0.2

Each phase is timed by wrapping the function that does it (CPU ops are synchronous, so
wall time inside a call is that call's cost); shares are of the encoder + search wall
time. Inclusive phases (indented under their phase): the decoder step contains its
self-attention, cross-attention and output projection + log-softmax (the rest of a step
is its feed-forward layers); the candidate selection contains the CTC scoring of
candidates.
"""
import argparse
import json
import time
from collections import defaultdict
from functools import wraps

import torch
from decode import SIZES, random_inputs, random_model

import fama_espnet.decoding.fast as fast
from fama_espnet.decoder import SelfAttentionCache
from fama_espnet.decoding import DecodingOptions
from fama_espnet.decoding.ctc_prefix import CTCPrefixScore

SPENT = defaultdict(float)
CALLS = defaultdict(int)


def timed(name, fn):
    @wraps(fn)
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            SPENT[name] += time.perf_counter() - t
            CALLS[name] += 1
    return wrapper


def instrument(model):
    model.encode = timed("encoder", model.encode)
    model.decoder.step = timed("decoder step", model.decoder.step)
    model.decoder.memory_kv = timed("decoder memory k/v (once per utterance)", model.decoder.memory_kv)
    model.final_ctc_log_probs = timed("final CTC head log-probs", model.final_ctc_log_probs)
    dec = model.decoder
    dec.step_self_attention = timed("  self-attention", dec.step_self_attention)
    dec.step_cross_attention = timed("  cross-attention", dec.step_cross_attention)
    dec.step_log_probs = timed("  output projection + log-softmax", dec.step_log_probs)
    SelfAttentionCache.select = timed("self-attention cache reorder", SelfAttentionCache.select)
    fast.ban_repeated_ngrams_ = timed("n-gram ban", fast.ban_repeated_ngrams_)
    for name, label in (("delta", "  CTC prefix: candidate scores"), ("advance", "CTC prefix: advance")):
        setattr(CTCPrefixScore, name, timed(label, getattr(CTCPrefixScore, name)))
    fs = fast.FastBeamSearch
    fs._select = timed("candidate selection (top-k, bound, CTC)", fs._select)
    fs._finalise = staticmethod(timed("finalise (host copies)", fs._finalise))
    for beam in (fast.FairseqBeam, fast.EspnetBeam):
        beam.split = timed("beam split (semantics)", beam.split)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", choices=SIZES, default="small")
    p.add_argument("--utts", type=int, default=16)
    p.add_argument("--ctc_weight", type=float, nargs="+", default=[0.0, 0.2])
    p.add_argument("--beam_semantics", default="fairseq")
    a = p.parse_args()
    model = random_model(SIZES[a.size])
    inputs, langs, seconds = random_inputs(a.utts)
    frames = sum(len(x) for x in inputs) / len(inputs) / 4
    with torch.no_grad():  # warm-up (allocator, kernels), untimed
        model.encode(torch.nn.utils.rnn.pad_sequence(inputs[:2], batch_first=True),
                     torch.tensor([len(c) for c in inputs[:2]]))
    instrument(model)
    x = torch.nn.utils.rnn.pad_sequence(inputs, batch_first=True)
    lengths = torch.tensor([len(c) for c in inputs])
    tags = torch.tensor([model.lang_ids[g] for g in langs])
    for w in a.ctc_weight:
        opt = DecodingOptions(ctc_weight=w, max_len=int(0.25 * frames), beam_semantics=a.beam_semantics)
        search = fast.FastBeamSearch(model, opt)
        SPENT.clear()
        CALLS.clear()
        t = time.perf_counter()
        with torch.no_grad():
            enc, enc_lens = model.encode_sorted(x, lengths)
            search.decode(enc, enc_lens, tags)
        wall = time.perf_counter() - t
        top = {"encoder", "decoder step", "decoder memory k/v (once per utterance)", "final CTC head log-probs",
               "n-gram ban", "CTC prefix: advance", "self-attention cache reorder",
               "candidate selection (top-k, bound, CTC)", "finalise (host copies)", "beam split (semantics)"}
        rest = wall - sum(v for k, v in SPENT.items() if k in top)
        print(json.dumps({"size": a.size, "utts": a.utts, "audio_s": round(sum(seconds), 1), "ctc_weight": w,
                          "beam_semantics": a.beam_semantics, "threads": torch.get_num_threads(),
                          "wall_s": round(wall, 2)}))
        for k, v in sorted(SPENT.items(), key=lambda kv: -kv[1]):
            print(f"  {k:45s} {v:8.2f} s {100 * v / wall:5.1f} %  ({CALLS[k]} calls)")
        print(f"  {'rest (Python, cache gathers, masks)':45s} {rest:8.2f} s {100 * rest / wall:5.1f} %")


if __name__ == "__main__":
    main()
