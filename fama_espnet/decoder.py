"""FAMA's Transformer decoder: ESPnet's TransformerDecoder with fairseq's conventions.

ESPnet's decoder already matches fairseq's pre-LN layers (self-attn, cross-attn,
ReLU FFN, final LayerNorm). What differs, and is replaced here:
  - positions: fairseq's sinusoids (sin half, cos half; frequencies over
    half_dim - 1) start at padding_idx + 1 = 2, not 0;
  - the output projection has no bias (and is not tied to the embeddings);
  - LayerNorm eps is 1e-5 (ESPnet uses 1e-12).
"""
import math

import torch
from torch import Tensor, nn
from typeguard import typechecked

from espnet2.asr.decoder.transformer_decoder import TransformerDecoder

# fairseq's dictionary puts <pad> at 1 and numbers positions from padding_idx + 1.
FAIRSEQ_POSITION_OFFSET = 2


def fairseq_sinusoids(num_positions: int, dim: int) -> Tensor:
    """fairseq's SinusoidalPositionalEmbedding table (without the zeroed padding row)."""
    half = dim // 2
    freq = torch.exp(torch.arange(half, dtype=torch.float) * -(math.log(10000) / (half - 1)))
    angles = torch.arange(num_positions, dtype=torch.float)[:, None] * freq[None, :]
    table = torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)
    if dim % 2 == 1:
        table = torch.cat([table, torch.zeros(num_positions, 1)], dim=1)
    return table


class FairseqPositionalEncoding(nn.Module):
    """x * sqrt(d) + sinusoid(position + 2), then dropout: the `pos_enc_class` slot of
    ESPnet's decoder, so `decoder.embed[0]` stays the raw (unscaled) token embedding."""

    def __init__(self, d_model: int, dropout_rate: float, max_len: int = 4096):
        super().__init__()
        self.d_model = d_model
        self.xscale = math.sqrt(d_model)
        self.dropout = nn.Dropout(dropout_rate)
        self.register_buffer("pe", fairseq_sinusoids(max_len + FAIRSEQ_POSITION_OFFSET, d_model), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        n = x.size(1) + FAIRSEQ_POSITION_OFFSET
        pe = self.pe if n <= self.pe.size(0) else fairseq_sinusoids(n, self.d_model).to(self.pe)
        return self.dropout(x * self.xscale + pe[FAIRSEQ_POSITION_OFFSET:n].to(x.dtype))


class FamaTransformerDecoder(TransformerDecoder):
    """Registered as `fama_transformer`; takes TransformerDecoder's options."""

    @typechecked
    def __init__(
        self,
        vocab_size: int,
        encoder_output_size: int,
        attention_heads: int = 16,
        linear_units: int = 4096,
        num_blocks: int = 6,
        dropout_rate: float = 0.1,
        positional_dropout_rate: float = 0.1,
        self_attention_dropout_rate: float = 0.1,
        src_attention_dropout_rate: float = 0.1,
        layer_norm_eps: float = 1e-5,
    ):
        super().__init__(
            vocab_size=vocab_size,
            encoder_output_size=encoder_output_size,
            attention_heads=attention_heads,
            linear_units=linear_units,
            num_blocks=num_blocks,
            dropout_rate=dropout_rate,
            positional_dropout_rate=positional_dropout_rate,
            self_attention_dropout_rate=self_attention_dropout_rate,
            src_attention_dropout_rate=src_attention_dropout_rate,
            pos_enc_class=FairseqPositionalEncoding,
            normalize_before=True,
            use_flash_attn=False,
        )
        if encoder_output_size % attention_heads != 0:
            raise ValueError(
                f"decoder dim {encoder_output_size} is not divisible by attention_heads {attention_heads}"
            )
        self.output_layer = nn.Linear(encoder_output_size, vocab_size, bias=False)
        nn.init.normal_(self.embed[0].weight, mean=0.0, std=encoder_output_size**-0.5)
        nn.init.normal_(self.output_layer.weight, mean=0.0, std=encoder_output_size**-0.5)
        for m in self.modules():
            if isinstance(m, nn.LayerNorm):
                m.eps = layer_norm_eps

    @property
    def token_embedding(self) -> nn.Embedding:
        """The raw token embedding (FAMA's final CTC adds the language tag's row)."""
        return self.embed[0]
