"""One training step (forward + backward + AdamW) of FAMA vs ESPnet's stock Conformer.

Same process, same random feature batch, same dims: stock ESPnet
(ConformerEncoder conv2d + rel-pos, TransformerDecoder, ESPnetASRModel with
intermediate CTC) against our FamaModel built from conf/train_fama_<size>_asr.yaml,
with the exact relative shift, with the batch-unsafe one FAMA trains with, and the
fast path of the configs (batch-unsafe shift, fused SDPA attention, fused AdamW).
Both read fbank features (no front-end, no SpecAugment) so the networks are compared.

  python bench/train_step.py --size tiny                      # CPU
  python bench/train_step.py --size medium --dtype bf16       # GPU, adds TFLOP/s
"""
import argparse
import json
import logging
import time
from pathlib import Path

import torch

logging.disable(logging.WARNING)

from espnet2.asr.ctc import CTC  # noqa: E402
from espnet2.asr.decoder.transformer_decoder import TransformerDecoder  # noqa: E402
from espnet2.asr.encoder.conformer_encoder import ConformerEncoder  # noqa: E402
from espnet2.asr.espnet_model import ESPnetASRModel  # noqa: E402

from fama_espnet.task import FamaTask, load_config  # noqa: E402

CONF = Path(__file__).resolve().parents[1] / "conf"
SIZES = {  # tiny: the mini_fama scale, runs on a laptop CPU
    "tiny": dict(d=144, heads=4, ffn=576, enc=6, dec=3, inter=4, vocab=400, conf="small"),
    "small": dict(d=1024, heads=16, ffn=4096, enc=12, dec=6, inter=8, vocab=16001, conf="small"),
    "medium": dict(d=1024, heads=16, ffn=4096, enc=24, dec=12, inter=16, vocab=16001, conf="medium"),
}


# Dense peak of one H100 SXM (TFLOP/s), the GPU the targets name.
PEAK_TFLOPS = {"bf16": 989.0, "fp32": 67.0}


def token_list(vocab):
    return ["<blank>", "<unk>", "<lang:en>", "<lang:it>"] + [f"p{i}" for i in range(vocab - 5)] + ["<sos/eos>"]


def stock_model(s):
    tokens = token_list(s["vocab"])
    enc = ConformerEncoder(
        input_size=80, output_size=s["d"], attention_heads=s["heads"], linear_units=s["ffn"],
        num_blocks=s["enc"], input_layer="conv2d", rel_pos_type="latest", pos_enc_layer_type="rel_pos",
        selfattention_layer_type="rel_selfattn", macaron_style=True, use_cnn_module=True,
        cnn_module_kernel=31, interctc_layer_idx=[s["inter"]],
    )
    dec = TransformerDecoder(vocab_size=s["vocab"], encoder_output_size=s["d"], attention_heads=s["heads"],
                             linear_units=s["ffn"], num_blocks=s["dec"])
    return ESPnetASRModel(
        vocab_size=s["vocab"], token_list=tokens, frontend=None, specaug=None, normalize=None,
        preencoder=None, encoder=enc, postencoder=None, decoder=dec, ctc=CTC(s["vocab"], s["d"]),
        joint_network=None, ctc_weight=0.3, interctc_weight=0.3, lsm_weight=0.1,
        report_cer=False, report_wer=False,
    )


def fama_model(s, unsafe_shift, attention_impl="math"):
    overrides = dict(
        input_size=80, frontend=None, specaug=None, normalize=None,
        encoder_conf=dict(output_size=s["d"], attention_heads=s["heads"], linear_units=s["ffn"],
                          num_blocks=s["enc"], conv_channels=s["d"], interctc_layer_idx=[s["inter"]],
                          batch_unsafe_relative_shift=unsafe_shift, attention_impl=attention_impl),
        decoder_conf=dict(attention_heads=s["heads"], linear_units=s["ffn"], num_blocks=s["dec"]),
    )
    args = load_config(CONF / f"train_fama_{s['conf']}_asr.yaml", overrides, token_list(s["vocab"]))
    return FamaTask.build_model(args)


def make_batch(s, batch, frames, dev):
    g = torch.Generator().manual_seed(0)
    ntok = max(4, int(frames / 100 * 3.5))  # ~3.5 tokens per second of audio
    return dict(
        speech=torch.randn(batch, frames, 80, generator=g).to(dev),
        speech_lengths=torch.full((batch,), frames, dtype=torch.long, device=dev),
        text=torch.randint(4, s["vocab"] - 1, (batch, ntok), generator=g).to(dev),
        text_lengths=torch.full((batch,), ntok, dtype=torch.long, device=dev),
        src_lang=torch.full((batch, 1), 2, dtype=torch.long, device=dev),
    )


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def measure(model, batch, dev, dtype, steps, fused=False):
    model.to(dev).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=fused)
    keys = ("speech", "speech_lengths", "text", "text_lengths")
    inputs = batch if hasattr(model, "sampler") else {k: batch[k] for k in keys}

    def step():
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=dtype == "bf16"):
            loss, _, _ = model(**inputs)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    flops = None
    if dev.type == "cuda":
        from torch.utils.flop_counter import FlopCounterMode
        counter = FlopCounterMode(display=False)
        with counter:
            step()
        flops = counter.get_total_flops()
        torch.cuda.reset_peak_memory_stats()
    step()
    sync(dev)
    t = time.perf_counter()
    for _ in range(steps):
        step()
    sync(dev)
    dt = (time.perf_counter() - t) / steps
    audio_s = batch["speech"].size(0) * batch["speech"].size(1) / 100
    out = dict(step_s=round(dt, 4), audio_s_per_s=round(audio_s / dt, 1))
    if flops:
        out["tflops_per_s"] = round(flops / dt / 1e12, 1)
        out["pct_of_peak"] = round(100 * flops / dt / 1e12 / PEAK_TFLOPS.get(dtype, float("nan")), 1)
    if dev.type == "cuda":
        out["peak_mem_gb"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
    model.to("cpu")
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", choices=SIZES, default="tiny")
    p.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seconds", type=float, default=10.0, help="audio per utterance")
    p.add_argument("--steps", type=int, default=3)
    a = p.parse_args()
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    s = SIZES[a.size]
    batch = make_batch(s, a.batch, int(a.seconds * 100), dev)
    print(f"device={torch.cuda.get_device_name(0) if dev.type == 'cuda' else 'cpu'} threads={torch.get_num_threads()} "
          f"size={a.size} dtype={a.dtype} batch={a.batch}x{a.seconds}s")
    results = {}
    for name, build, fused in (("espnet_conformer", lambda: stock_model(s), False),
                               ("fama_exact_shift", lambda: fama_model(s, False), False),
                               ("fama_unsafe_shift", lambda: fama_model(s, True), False),
                               ("fama_fast", lambda: fama_model(s, True, "sdpa"), True)):
        torch.manual_seed(0)
        model = build()
        r = measure(model, batch, dev, a.dtype, a.steps, fused)
        r["params_m"] = round(sum(x.numel() for x in model.parameters()) / 1e6, 1)
        results[name] = r
        del model
    base = results["espnet_conformer"]["step_s"]
    for name, r in results.items():
        r["speed_vs_espnet"] = round(base / r["step_s"], 2)
        print(json.dumps({"model": name, **r}))


if __name__ == "__main__":
    main()
