"""Weights of an FBK-fairseq `conformer_joint_ctc` checkpoint -> FamaModel state dict.

The token list keeps fairseq's dictionary order (`<s> <pad> </s> <unk> <lang:..> pieces
<ctc_blank>`), so no row is permuted: the model is told `sym_blank: <ctc_blank>` and
`sym_sos_eos: </s>` (fairseq's decoder starts from `</s>`, as ESPnet's from <sos/eos>).
"""
import re
from typing import Dict, List, Tuple

import torch
from torch import Tensor

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
    # fairseq pickles its argparse/omegaconf config next to the weights.
    return torch.load(path, map_location="cpu", weights_only=False)
