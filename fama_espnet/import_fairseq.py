"""Released FAMA checkpoints (FBK-fairseq `conformer_joint_ctc`) -> an ESPnet exp dir.

    python -m fama_espnet.bin.import_fairseq --checkpoint fama-small.pt \
        --spm_model spm_en_it_16000_lid.model --dict spm_en_it_16000_lid.txt \
        [--config config.yaml] --outdir exp/fama_small

The token list keeps fairseq's dictionary order (`<s> <pad> </s> <unk> <lang:..> pieces
<ctc_blank>`), so no row is permuted: the model is told `sym_blank: <ctc_blank>` and
`sym_sos_eos: </s>` (fairseq's decoder starts from `</s>`, as ESPnet's from <sos/eos>).
The architecture is read from the arguments fairseq stores in the checkpoint; every
FBK option our model does not implement is refused by name rather than ignored.
"""
import re
import shutil
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import sentencepiece as spm
import torch
import yaml
from torch import Tensor

from fama_espnet.files import replacing_dir
from fama_espnet.inference import load_model
from fama_espnet.tokens import lang_tag, languages_of

FAIRSEQ_SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]
CTC_BLANK = "<ctc_blank>"
ARCH = "conformer_joint_ctc"

# fairseq key patterns -> ours. The encoder keeps FBK's module names one to one.
_DECODER_LAYER = {
    "self_attn.q_proj": "self_attn.linear_q",
    "self_attn.k_proj": "self_attn.linear_k",
    "self_attn.v_proj": "self_attn.linear_v",
    "self_attn.out_proj": "self_attn.linear_out",
    "encoder_attn.q_proj": "src_attn.linear_q",
    "encoder_attn.k_proj": "src_attn.linear_k",
    "encoder_attn.v_proj": "src_attn.linear_v",
    "encoder_attn.out_proj": "src_attn.linear_out",
    "self_attn_layer_norm": "norm1",
    "encoder_attn_layer_norm": "norm2",
    "final_layer_norm": "norm3",
    "fc1": "feed_forward.w_1",
    "fc2": "feed_forward.w_2",
}
_TOP = {
    "encoder.ctc_fc": "inter_ctc",
    "auxiliary_decoder.fc": "ctc.ctc_lo",
    "auxiliary_decoder.lang_embed_layernorm": "ctc_lang_norm",
    "decoder.embed_tokens": "decoder.embed.0",
    "decoder.layer_norm": "decoder.after_norm",
    "decoder.output_projection": "decoder.output_layer",
}
# fairseq bookkeeping and the fixed sinusoid tables we recompute.
_DROPPED = re.compile(
    r"(encoder\.conformer_layers\.\d+\.attention\.positional_encoding\.pe"
    r"|decoder\.embed_positions\._float_tensor|decoder\.version|encoder\.version)$"
)
# FBK options whose value our model hard-wires: (name, the only value we implement).
_FIXED = [
    ("conv_expansion_factor", 2),
    ("conformer_half_step_residual", True),
    ("activation_fn", "relu"),
    ("share_decoder_input_output_embed", False),
    ("decoder_normalize_before", True),
    ("decoder_learned_pos", False),
    ("no_token_positional_embeddings", False),
    ("ctc_compress_strategy", "none"),
    ("input_channels", 1),
]


class CheckpointError(ValueError):
    """A checkpoint, dictionary, spm model or data config that cannot become a FAMA model."""


def map_key(key: str) -> str:
    m = re.match(r"decoder\.layers\.(\d+)\.(.+)\.(weight|bias)$", key)
    if m:
        layer, module, param = m.groups()
        if module not in _DECODER_LAYER:
            raise KeyError(key)
        return f"decoder.decoders.{layer}.{_DECODER_LAYER[module]}.{param}"
    for src, dst in _TOP.items():
        if key.startswith(src + "."):
            return dst + key[len(src):]
    if key.startswith("encoder."):
        return key
    raise KeyError(key)


def convert_state_dict(fairseq_sd: Dict[str, Tensor]) -> Tuple[Dict[str, Tensor], List[str]]:
    """-> (our state dict, the fairseq keys deliberately dropped)."""
    ours, dropped = {}, []
    for key, value in fairseq_sd.items():
        if _DROPPED.search(key):
            dropped.append(key)
            continue
        ours[map_key(key)] = value
    return ours, dropped


def load_fairseq_checkpoint(path: str) -> dict:
    # fairseq pickles its argparse/omegaconf config next to the weights (needs omegaconf).
    return torch.load(path, map_location="cpu", weights_only=False)


def model_args(ckpt: dict, path: str) -> Any:
    """The architecture arguments: `cfg.model` (fairseq >= 0.10) or `args` (older)."""
    cfg = ckpt.get("cfg")
    args = cfg["model"] if cfg is not None and cfg.get("model") is not None else ckpt.get("args")
    if args is None or "model" not in ckpt:
        raise CheckpointError(f"{path}: not a fairseq checkpoint (no stored model arguments or weights)")
    return args


def read_dictionary(path: str) -> List[str]:
    """fairseq dictionary text (`symbol count` per line) -> the full fairseq token list."""
    pieces = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            fields = line.rstrip("\n").split(" ")
            if len(fields) < 2 or not fields[0]:
                raise CheckpointError(f"{path}:{n}: expected 'symbol count', got {line.rstrip()!r}")
            pieces.append(fields[0])
    return FAIRSEQ_SPECIALS + pieces + [CTC_BLANK]


def check_spm(path: str, tokens: List[str], languages: List[str]) -> None:
    sp = spm.SentencePieceProcessor(model_file=path)
    vocab = {sp.id_to_piece(i) for i in range(sp.get_piece_size())}
    absent_tags = [lang_tag(x) for x in languages if lang_tag(x) not in vocab]
    if absent_tags:
        raise CheckpointError(f"{path}: the sentencepiece model lacks the language tag(s) {absent_tags} "
                           "(FAMA's spm_en_it_*_lid models have them as user symbols)")
    unknown = [t for t in tokens[len(FAIRSEQ_SPECIALS):-1] if t not in vocab]
    if unknown:
        raise CheckpointError(f"{path}: {len(unknown)} dictionary symbols are not pieces of this "
                           f"sentencepiece model, e.g. {unknown[:5]}: the dictionary belongs to another model")


def data_transforms(config: Optional[str]) -> Tuple[Optional[str], int]:
    """(ESPnet normaliser, feature dim) from the fairseq data config.yaml; FAMA's default
    (utterance CMVN, 80 bins) when none is given."""
    if config is None:
        return "utterance_mvn", 80
    with open(config, encoding="utf-8") as f:
        conf = yaml.safe_load(f) or {}
    if not conf.get("prepend_tgt_lang_tag", False):
        raise CheckpointError(f"{config}: prepend_tgt_lang_tag is not true; FAMA models decode from a "
                           "forced <lang:xx> tag")
    transforms = (conf.get("transforms") or {}).get("*", [])
    unsupported = [t for t in transforms if t != "utterance_cmvn"]
    if unsupported:
        raise CheckpointError(f"{config}: inference transforms {unsupported} are not supported "
                           "(only utterance_cmvn, as FAMA)")
    return ("utterance_mvn" if "utterance_cmvn" in transforms else None), int(conf.get("input_feat_per_channel", 80))


def espnet_config(a: Any, tokens: List[str], languages: List[str], normalize: Optional[str],
                  n_mels: int, bpemodel: str) -> Dict[str, Any]:
    """The training/inference config.yaml of the imported model (same keys as conf/train_fama_*.yaml)."""
    return {
        "frontend": "kaldi_fbank",
        "frontend_conf": {"fs": 16000, "n_mels": n_mels},
        "normalize": normalize,
        "normalize_conf": {"norm_means": True, "norm_vars": True, "eps": 1.0e-5} if normalize else {},
        "specaug": None,
        "encoder": "fama_conformer",
        "encoder_conf": {
            "output_size": a.encoder_embed_dim,
            "attention_heads": a.encoder_attention_heads,
            "linear_units": a.encoder_embed_dim * getattr(a, "feed_forward_expansion_factor", 4),
            "num_blocks": a.encoder_layers,
            "conv_channels": a.conv_channels,
            "conv_kernel_sizes": [int(k) for k in str(a.conv_kernel_sizes).split(",")],
            "cnn_module_kernel": a.conformer_conv_kernel_size,
            "dropout_rate": float(a.dropout),
            "interctc_layer_idx": [a.ctc_encoder_layer],
            "batch_unsafe_relative_shift": False,  # exact shift; FAMA trains with the unsafe one
            "sync_batchnorm": not getattr(a, "no_syncbatchnorm", False),
            "scale_embedding": not getattr(a, "no_scale_embedding", False),
        },
        "decoder": "fama_transformer",
        "decoder_conf": {
            "attention_heads": a.decoder_attention_heads,
            "linear_units": a.decoder_ffn_embed_dim,
            "num_blocks": a.decoder_layers,
            "dropout_rate": float(a.dropout),
            "positional_dropout_rate": float(a.dropout),
            "self_attention_dropout_rate": float(getattr(a, "attention_dropout", a.dropout)),
            "src_attention_dropout_rate": float(getattr(a, "attention_dropout", a.dropout)),
        },
        "model": "fama",
        "model_conf": {
            "interctc_weight": float(getattr(a, "ctc_weight", 1.0)),
            "att_weight": float(getattr(a, "primary_loss_weight", 5.0)),
            "ctc_weight": float(getattr(a, "auxiliary_loss_weight", 2.0)),
            "lsm_weight": float(getattr(a, "label_smoothing", 0.1)),
            "p_asr": 1.0,  # fine-tuning for ST sets p_asr (FAMA step 2: 0.5)
            "languages": languages,
            "sym_blank": CTC_BLANK,
            "sym_sos_eos": "</s>",
        },
        "ctc_conf": {"zero_infinity": bool(getattr(a, "zero_infinity", True))},
        "token_list": tokens,
        "bpemodel": bpemodel,
        "token_type": "bpe",
        "input_size": None,
        "init": None,
    }


def check_architecture(a: Any, path: str) -> None:
    arch = getattr(a, "arch", None)
    if arch != ARCH:
        raise CheckpointError(f"{path}: architecture {arch!r} is not FAMA's {ARCH!r}")
    wrong = [f"{k}={getattr(a, k)!r} (supported: {v!r})" for k, v in _FIXED
             if hasattr(a, k) and getattr(a, k) != v]
    if a.decoder_embed_dim != a.encoder_embed_dim:
        wrong.append(f"decoder_embed_dim={a.decoder_embed_dim} != encoder_embed_dim={a.encoder_embed_dim}")
    if wrong:
        raise CheckpointError(f"{path}: unsupported {ARCH} options: " + "; ".join(wrong))


def import_checkpoint(checkpoint: str, spm_model: str, dictionary: str, outdir: str,
                      config: Optional[str] = None) -> Path:
    """Writes `outdir/{config.yaml, model.pth, bpe.model}` atomically: everything is built
    and loaded back in a temporary sibling dir, renamed into place only when it works."""
    for name, path in (("--checkpoint", checkpoint), ("--spm_model", spm_model), ("--dict", dictionary),
                       ("--config", config)):
        if path is not None and not Path(path).is_file():
            raise FileNotFoundError(f"{name}: no such file: {path}")
    out = Path(outdir)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"--outdir {out} exists and is not empty; remove it or choose another")

    ckpt = load_fairseq_checkpoint(checkpoint)
    a = model_args(ckpt, checkpoint)
    check_architecture(a, checkpoint)
    tokens = read_dictionary(dictionary)
    rows = {k: ckpt["model"][k].shape[0] for k in ("decoder.embed_tokens.weight", "encoder.ctc_fc.weight")
            if k in ckpt["model"]}
    bad_rows = {k: n for k, n in rows.items() if n != len(tokens)}
    if bad_rows:
        raise CheckpointError(
            f"{dictionary}: {len(tokens) - 5} symbols give {len(tokens)} tokens with the 4 fairseq specials "
            f"and <ctc_blank>, but {checkpoint} has {bad_rows} rows: the dictionary does not match the checkpoint")
    languages = languages_of(tokens)
    if not languages:
        raise CheckpointError(f"{dictionary}: no <lang:xx> tags; FAMA dictionaries have <lang:en> and <lang:it>")
    check_spm(spm_model, tokens, languages)
    normalize, n_mels = data_transforms(config)
    if getattr(a, "input_feat_per_channel", n_mels) != n_mels:
        raise CheckpointError(f"{config}: input_feat_per_channel {n_mels} != the checkpoint's "
                           f"{a.input_feat_per_channel}")
    try:
        state, _ = convert_state_dict(ckpt["model"])
    except KeyError as e:
        raise CheckpointError(f"{checkpoint}: weight {e.args[0]!r} has no place in a FAMA model") from None

    with replacing_dir(out) as tmp:
        shutil.copyfile(spm_model, tmp / "bpe.model")
        conf = espnet_config(a, tokens, languages, normalize, n_mels, str(out / "bpe.model"))
        (tmp / "config.yaml").write_text(yaml.safe_dump(conf, sort_keys=False, allow_unicode=True),
                                         encoding="utf-8")
        # The state dict built from the config must take every converted weight and
        # leave none at its initial value (load_model is strict both ways).
        # Our own bookkeeping buffer (the multitask draw counter) starts at 0.
        torch.save({**state, "num_task_draws": torch.zeros((), dtype=torch.long)}, tmp / "model.pth")
        load_model(tmp / "config.yaml", tmp / "model.pth")
    return out

