"""The FAMA Conformer encoder (FBK-fairseq `conformer_joint_ctc`), as an ESPnet encoder.

Layout, from input features to the top:
  Conv1dSubsampler: one stride-2 Conv1d + GLU per kernel size, padded frames zeroed
  x * sqrt(d_model), dropout (no absolute positional embedding)
  N macaron Conformer blocks, each ending with its own LayerNorm (no encoder-level norm)
The intermediate CTC head reads the output of block `interctc_layer_idx` (1-based).
"""
import math
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint

from espnet2.asr.encoder.abs_encoder import AbsEncoder

# fairseq fills masked scores with -1e4 whatever the dtype (its mask is boolean).
MASK_VALUE = -1e4
# "math": the reference's ops one by one; "sdpa": PyTorch's fused attention kernel.
ATTENTION_IMPLS = ("math", "sdpa")


def lengths_to_padding_mask(lengths: Tensor, max_len: Optional[int] = None) -> Tensor:
    """(B,) lengths -> (B, T) bool mask, True on padded frames."""
    max_len = int(lengths.max()) if max_len is None else max_len
    return torch.arange(max_len, device=lengths.device)[None, :] >= lengths[:, None]


def subsampled_lengths(lengths: Tensor, num_convs: int) -> Tensor:
    """Frames after `num_convs` stride-2 convs with padding k//2: floor((L - 1) / 2) + 1 each."""
    for _ in range(num_convs):
        lengths = torch.div(lengths - 1, 2, rounding_mode="floor") + 1
    return lengths


class Conv1dSubsampler(nn.Module):
    """Stride-2 Conv1d + GLU over channels, once per kernel size (2 -> 4x, 3 -> 8x)."""

    def __init__(self, in_channels: int, mid_channels: int, out_channels: int, kernel_sizes: Sequence[int]):
        super().__init__()
        n = len(kernel_sizes)
        self.conv_layers = nn.ModuleList(
            nn.Conv1d(
                in_channels if i == 0 else mid_channels // 2,
                mid_channels if i < n - 1 else out_channels * 2,
                k,
                stride=2,
                padding=k // 2,
            )
            for i, k in enumerate(kernel_sizes)
        )

    def forward(self, x: Tensor, lengths: Tensor) -> Tuple[Tensor, Tensor]:
        # Whatever the caller padded with, the first conv must read zeros past the end.
        x = x.masked_fill(lengths_to_padding_mask(lengths, x.size(1)).unsqueeze(-1), 0.0)
        for conv in self.conv_layers:
            x = F.glu(channels_last_conv(conv, x), dim=-1)
            lengths = subsampled_lengths(lengths, 1)
            # Zeroing here keeps the next conv from reading bias+GLU values at padded frames.
            x = x.masked_fill_(lengths_to_padding_mask(lengths, x.size(1)).unsqueeze(-1), 0.0)
        return x, lengths


def channels_last_conv(conv: nn.Conv1d, x: Tensor) -> Tensor:
    """`conv` over (B, T, C) frames, returning (B, T', C').

    (B, T, C) read as (B, C, 1, T) is the channels-last layout, where oneDNN's kernels run
    faster than Conv1d's channels-first ones on the CPU (measured: depthwise convs ~20x
    forward, bit-equal; the subsampling convs 1.3-1.8x forward + backward, their sums
    reordered), and no transpose is copied."""
    out = F.conv2d(x.transpose(1, 2).unsqueeze(2), conv.weight.unsqueeze(2), conv.bias,
                   stride=(1, conv.stride[0]), padding=(0, conv.padding[0]), groups=conv.groups)
    return out.squeeze(2).transpose(1, 2)


def sinusoids(length: int, dim: int) -> Tensor:
    """Interleaved sin/cos table for absolute positions 0..length-1 (Vaswani et al.)."""
    position = torch.arange(length, dtype=torch.float).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, dim, 2).float() * -(math.log(10000.0) / dim))
    pe = torch.zeros(length, dim)
    pe[:, 0::2] = torch.sin(position * div_term)
    pe[:, 1::2] = torch.cos(position * div_term)
    return pe


def relative_shift_batch_unsafe(pos_score: Tensor) -> Tensor:
    """Transformer-XL shift over the padded T x T block: fast, but rows of short
    sequences read values that depend on how much padding the batch has."""
    b, h, t1, t2 = pos_score.shape
    padded = torch.cat([pos_score.new_zeros(b, h, t1, 1), pos_score], dim=-1)
    return padded.view(b, h, t2 + 1, t1)[:, :, 1:].reshape(b, h, t1, t2)


def relative_shift_exact(pos_score: Tensor, lengths: Tensor) -> Tensor:
    """The same shift applied to each sequence's own L x L block, padding zeroed.

    For an L x L block the pad-and-reshape trick yields
      out[i, j] = s[i, L - 1 - i + j]   for j <= i
      out[i, j] = 0                     for j == i + 1
      out[i, j] = s[i + 1, j - i - 2]   for j >= i + 2
    which we gather directly, so the whole batch is shifted in one op.
    """
    b, h, t, _ = pos_score.shape
    i = torch.arange(t, device=pos_score.device).view(1, t, 1)
    j = torch.arange(t, device=pos_score.device).view(1, 1, t)
    L = lengths.view(b, 1, 1).to(pos_score.device)
    lower = j <= i
    row = torch.where(lower, i, i + 1)
    col = torch.where(lower, L - 1 - i + j, j - i - 2)
    valid = (i < L) & (j < L) & (j != i + 1)
    index = torch.where(valid, row * t + col, torch.zeros_like(col))  # (B, T, T)
    flat = pos_score.reshape(b, h, t * t)
    out = flat.gather(2, index.view(b, 1, t * t).expand(b, h, t * t)).view(b, h, t, t)
    return out.masked_fill_(~valid.unsqueeze(1), 0.0)  # in place: the gather's output is ours


class RelPositionMultiHeadAttention(nn.Module):
    """Transformer-XL relative attention as in FAMA: positions 0..T-1 projected by a
    bias-free `pos_proj`, learned u/v biases, scores divided by sqrt(d_model)."""

    def __init__(self, d_model: int, num_heads: int, dropout: float, batch_unsafe_relative_shift: bool,
                 attention_impl: str = "math"):
        super().__init__()
        if attention_impl not in ATTENTION_IMPLS:
            raise ValueError(f"attention_impl must be one of {ATTENTION_IMPLS}, got {attention_impl!r}")
        self.attention_impl = attention_impl
        self.d_model, self.num_heads, self.d_head = d_model, num_heads, d_model // num_heads
        self.query_proj = nn.Linear(d_model, d_model)
        self.key_proj = nn.Linear(d_model, d_model)
        self.value_proj = nn.Linear(d_model, d_model)
        self.pos_proj = nn.Linear(d_model, d_model, bias=False)
        self.out_proj = nn.Linear(d_model, d_model)
        self.u_bias = nn.Parameter(torch.empty(num_heads, self.d_head))
        self.v_bias = nn.Parameter(torch.empty(num_heads, self.d_head))
        self.dropout = nn.Dropout(dropout)
        self.batch_unsafe_relative_shift = batch_unsafe_relative_shift
        for lin in (self.query_proj, self.key_proj, self.value_proj, self.out_proj):
            nn.init.xavier_uniform_(lin.weight)
            nn.init.zeros_(lin.bias)
        nn.init.xavier_uniform_(self.pos_proj.weight)
        nn.init.xavier_uniform_(self.u_bias)
        nn.init.xavier_uniform_(self.v_bias)

    def forward(self, x: Tensor, pos: Tensor, lengths: Tensor, pad_mask: Tensor) -> Tensor:
        b, t, _ = x.shape
        heads = lambda y: y.view(y.size(0), -1, self.num_heads, self.d_head)  # noqa: E731
        q = heads(self.query_proj(x))
        k = heads(self.key_proj(x)).transpose(1, 2)
        v = heads(self.value_proj(x)).transpose(1, 2)
        p = heads(self.pos_proj(pos)).transpose(1, 2)  # (1, H, T, Dh): shared by the batch
        if self.attention_impl == "sdpa":
            return self.out_proj(self.fused(q, k, v, p, lengths, pad_mask))
        pos_score = self.shifted_pos_score(q, p, lengths)
        content = torch.matmul((q + self.u_bias).transpose(1, 2), k.transpose(2, 3))
        score = (content + pos_score) / math.sqrt(self.d_model)
        mask = (pad_mask[:, None, :] | pad_mask[:, :, None]).unsqueeze(1)  # (B, 1, T, T)
        score = score.masked_fill(mask, MASK_VALUE)
        attn = torch.softmax(score, dim=-1).masked_fill(mask, 0.0)
        context = torch.matmul(self.dropout(attn), v).transpose(1, 2).reshape(b, t, self.d_model)
        return self.out_proj(context)

    def shifted_pos_score(self, q: Tensor, p: Tensor, lengths: Tensor) -> Tensor:
        """(q + v_bias) . p, relatively shifted: (B, H, T, T), a fresh tensor."""
        pos_score = torch.matmul((q + self.v_bias).transpose(1, 2), p.transpose(2, 3))
        # The exact shift is always used in eval: results must not depend on batching.
        if self.batch_unsafe_relative_shift and self.training:
            return relative_shift_batch_unsafe(pos_score)
        return relative_shift_exact(pos_score, lengths)

    def fused(self, q: Tensor, k: Tensor, v: Tensor, p: Tensor, lengths: Tensor, pad_mask: Tensor) -> Tensor:
        """The same attention through PyTorch's fused SDPA kernel: the shifted positional
        term and the key padding enter as an additive bias, so content scores and
        probabilities are never materialised. Padded query rows get 0, as in the math path."""
        scale = 1.0 / math.sqrt(self.d_model)
        # Scaled on the small (1, H, T, Dh) table, not the (B, H, T, T) product (exact when
        # d_model is a power of 4, as FAMA's 1024), and masked in place: two passes fewer
        # over the largest tensor of the layer.
        bias = self.shifted_pos_score(q, p * scale, lengths).masked_fill_(pad_mask[:, None, None, :], MASK_VALUE)
        context = F.scaled_dot_product_attention(
            (q + self.u_bias).transpose(1, 2), k, v, attn_mask=bias.to(q.dtype),
            dropout_p=self.dropout.p if self.training else 0.0, scale=scale,
        )
        context = context.masked_fill(pad_mask[:, None, :, None], 0.0)
        return context.transpose(1, 2).reshape(q.size(0), q.size(1), self.d_model)


class FeedForward(nn.Module):
    """LayerNorm -> Linear(d, 4d) -> SiLU -> dropout -> Linear(4d, d) -> dropout."""

    def __init__(self, d_model: int, d_ff: int, dropout: float):
        super().__init__()
        self.layernorm = nn.LayerNorm(d_model)
        self.first_linear = nn.Linear(d_model, d_ff)
        self.second_linear = nn.Linear(d_ff, d_model)
        self.dropout = nn.Dropout(dropout)
        for lin in (self.first_linear, self.second_linear):
            nn.init.xavier_uniform_(lin.weight)
            nn.init.zeros_(lin.bias)

    def forward(self, x: Tensor) -> Tensor:
        # In place where no backward will read the linear's output.
        x = self.dropout(F.silu(self.first_linear(self.layernorm(x)), inplace=not torch.is_grad_enabled()))
        return self.dropout(self.second_linear(x))


class ConvModule(nn.Module):
    """LN -> pointwise conv (2d) -> GLU -> depthwise conv -> BatchNorm -> SiLU -> pointwise conv.

    Padded frames are zeroed before and after every op that mixes frames or
    accumulates statistics, so padding never leaks into real frames. FAMA trains
    with SyncBatchNorm (statistics over all GPUs); alone, it is plain BatchNorm."""

    def __init__(self, d_model: int, kernel_size: int, dropout: float, sync_batchnorm: bool = True):
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"conv_kernel_size must be odd for 'same' padding, got {kernel_size}")
        self.layernorm = nn.LayerNorm(d_model)
        self.first_pointwise_conv1d = nn.Conv1d(d_model, 2 * d_model, 1)
        self.depthwise_conv1d = nn.Conv1d(
            d_model, d_model, kernel_size, padding=(kernel_size - 1) // 2, groups=d_model, bias=False
        )
        self.batchnorm = nn.SyncBatchNorm(d_model) if sync_batchnorm else nn.BatchNorm1d(d_model)
        self.second_pointwise_conv1d = nn.Conv1d(d_model, d_model, 1)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor, pad_mask: Tensor) -> Tensor:
        # All in the (B, T, C) layout the block hands over: no transposes are copied. The
        # masking is in place, on fresh outputs whose backward does not read them.
        m = pad_mask.unsqueeze(-1)
        x = F.glu(_pointwise(self.first_pointwise_conv1d, self.layernorm(x)), dim=-1)
        x = self.depthwise(x.masked_fill_(m, 0.0)).masked_fill_(m, 0.0)
        x = self.batchnorm(x.transpose(1, 2)).transpose(1, 2).masked_fill_(m, 0.0)
        x = _pointwise(self.second_pointwise_conv1d, F.silu(x)).masked_fill_(m, 0.0)
        return self.dropout(x)

    def depthwise(self, x: Tensor) -> Tensor:
        # Kept fp32 under CPU autocast: for some shapes oneDNN takes minutes to build its
        # bf16 depthwise kernel (measured: 144 channels, kernel 15, one input of 500 frames,
        # > 2 min, against < 1 ms in fp32), and this conv is a sliver of the arithmetic.
        if x.is_cpu and torch.is_autocast_enabled("cpu"):
            with torch.autocast("cpu", enabled=False):
                return channels_last_conv(self.depthwise_conv1d, x.to(self.depthwise_conv1d.weight.dtype))
        return channels_last_conv(self.depthwise_conv1d, x)


def _pointwise(conv: nn.Conv1d, x: Tensor) -> Tensor:
    """A kernel-1 Conv1d applied to (B, T, C) as the matmul it is (its parameters keep
    the Conv1d names and shapes that FBK-fairseq's and ESPnet's checkpoints use)."""
    return F.linear(x, conv.weight.squeeze(-1), conv.bias)


class AttentionModule(nn.Module):
    """Pre-LN relative self-attention with the block's own sinusoid table."""

    def __init__(self, d_model: int, num_heads: int, dropout: float, batch_unsafe_relative_shift: bool,
                 attention_impl: str):
        super().__init__()
        self.layer_norm = nn.LayerNorm(d_model)
        self.attention = RelPositionMultiHeadAttention(d_model, num_heads, dropout, batch_unsafe_relative_shift,
                                                       attention_impl)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor, pos: Tensor, lengths: Tensor, pad_mask: Tensor) -> Tensor:
        return self.dropout(self.attention(self.layer_norm(x), pos, lengths, pad_mask))


class ConformerBlock(nn.Module):
    """Macaron block: x + FFN/2, x + MHSA, x + Conv, x + FFN/2, then LayerNorm."""

    def __init__(self, d_model: int, num_heads: int, d_ff: int, kernel_size: int, dropout: float,
                 batch_unsafe_relative_shift: bool, sync_batchnorm: bool, attention_impl: str = "math"):
        super().__init__()
        self.first_feed_forward = FeedForward(d_model, d_ff, dropout)
        self.attention = AttentionModule(d_model, num_heads, dropout, batch_unsafe_relative_shift, attention_impl)
        self.conv_module = ConvModule(d_model, kernel_size, dropout, sync_batchnorm)
        self.second_feed_forward = FeedForward(d_model, d_ff, dropout)
        self.layernorm = nn.LayerNorm(d_model)

    def forward(self, x: Tensor, pos: Tensor, lengths: Tensor, pad_mask: Tensor,
                checkpoint_activations: bool = False) -> Tensor:
        if checkpoint_activations:
            # Recomputed in backward instead of stored. The conv module stays outside:
            # recomputing BatchNorm in training mode would update its statistics twice.
            x = checkpoint(self._ffn_attention, x, pos, lengths, pad_mask, use_reentrant=False)
            x = x + self.conv_module(x, pad_mask)
            return checkpoint(self._ffn_norm, x, use_reentrant=False)
        x = self._ffn_attention(x, pos, lengths, pad_mask)
        x = x + self.conv_module(x, pad_mask)
        return self._ffn_norm(x)

    def _ffn_attention(self, x: Tensor, pos: Tensor, lengths: Tensor, pad_mask: Tensor) -> Tensor:
        x = x + 0.5 * self.first_feed_forward(x)
        return x + self.attention(x, pos, lengths, pad_mask)

    def _ffn_norm(self, x: Tensor) -> Tensor:
        return self.layernorm(x + 0.5 * self.second_feed_forward(x))


class FamaConformerEncoder(AbsEncoder):
    """FAMA's Conformer encoder (registered as `fama_conformer`).

    Returns ESPnet's encoder tuple. With `interctc_layer_idx` set, the first item is
    `(top, [(layer, hidden)])`, the same convention as ESPnet's ConformerEncoder,
    so models can use either encoder.
    """

    def __init__(
        self,
        input_size: int,
        output_size: int = 1024,
        attention_heads: int = 16,
        linear_units: int = 4096,
        num_blocks: int = 12,
        conv_channels: int = 1024,
        conv_kernel_sizes: Sequence[int] = (5, 5),
        cnn_module_kernel: int = 31,
        dropout_rate: float = 0.1,
        interctc_layer_idx: Sequence[int] = (),
        batch_unsafe_relative_shift: bool = False,
        sync_batchnorm: bool = True,
        scale_embedding: bool = True,
        max_positions: int = 12000,
        attention_impl: str = "math",
        checkpoint_activations: bool = False,
    ):
        super().__init__()
        if output_size % attention_heads != 0:
            raise ValueError(
                f"encoder output_size {output_size} is not divisible by attention_heads {attention_heads}"
            )
        if conv_channels % 2 != 0:
            raise ValueError(f"encoder conv_channels must be even (GLU halves it), got {conv_channels}")
        bad = [i for i in interctc_layer_idx if not 1 <= i <= num_blocks]
        if bad:
            raise ValueError(
                f"interctc_layer_idx {list(interctc_layer_idx)}: layers {bad} are outside the "
                f"encoder's 1..{num_blocks} blocks"
            )
        if not conv_kernel_sizes:
            raise ValueError("conv_kernel_sizes must list at least one kernel size")
        self._output_size = output_size
        # Trade compute for memory on long inputs (training only).
        self.checkpoint_activations = checkpoint_activations
        self.interctc_layer_idx = list(interctc_layer_idx)
        self.subsample = Conv1dSubsampler(input_size, conv_channels, output_size, list(conv_kernel_sizes))
        # fairseq's --no-scale-embedding turns the sqrt(d_model) input scaling off.
        self.embed_scale = math.sqrt(output_size) if scale_embedding else 1.0
        self.dropout = nn.Dropout(dropout_rate)
        self.conformer_layers = nn.ModuleList(
            ConformerBlock(output_size, attention_heads, linear_units, cnn_module_kernel, dropout_rate,
                           batch_unsafe_relative_shift, sync_batchnorm, attention_impl)
            for _ in range(num_blocks)
        )
        # Not saved: it is a pure function of the dims, and loading must not depend on it.
        self.register_buffer("pe", sinusoids(max_positions, output_size), persistent=False)

    def output_size(self) -> int:
        return self._output_size

    def positions(self, length: int) -> Tensor:
        if length > self.pe.size(0):
            return sinusoids(length, self._output_size).to(self.pe)[None]
        return self.pe[None, :length]

    def forward(
        self, xs_pad: Tensor, ilens: Tensor, prev_states: Optional[Tensor] = None
    ) -> Tuple[Union[Tensor, Tuple[Tensor, List[Tuple[int, Tensor]]]], Tensor, None]:
        x, lengths = self.subsample(xs_pad, ilens)
        x = self.dropout(self.embed_scale * x)
        pad_mask = lengths_to_padding_mask(lengths, x.size(1))
        pos = self.positions(x.size(1)).to(x.dtype)
        intermediate = []
        for idx, layer in enumerate(self.conformer_layers, start=1):
            x = layer(x, pos, lengths, pad_mask, self.checkpoint_activations and self.training)
            if idx in self.interctc_layer_idx:
                intermediate.append((idx, x))
        if self.interctc_layer_idx:
            return (x, intermediate), lengths, None
        return x, lengths, None
