"""FAMA's Transformer decoder: ESPnet's TransformerDecoder with fairseq's conventions.

ESPnet's decoder already matches fairseq's pre-LN layers (self-attn, cross-attn,
ReLU FFN, final LayerNorm). What differs, and is replaced here:
  - positions: fairseq's sinusoids (sin half, cos half; frequencies over
    half_dim - 1) start at padding_idx + 1 = 2, not 0;
  - the output projection has no bias (and is not tied to the embeddings);
  - LayerNorm eps is 1e-5 (ESPnet uses 1e-12).
"""
import math
from typing import List, Optional, Tuple

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

    # ------------------------------------------------------------------ incremental decoding
    # ESPnet's forward_one_step re-projects every previous position's keys/values and the
    # whole encoder output at each step, for every hypothesis. The fast search instead keeps
    # self-attention keys/values per hypothesis and projects the encoder output once per
    # utterance, shared by its beams. Same math, per position.

    def memory_kv(self, memory: Tensor, lengths: Tensor, groups: List[List[int]]) -> "CrossAttentionMemory":
        """Every layer's cross-attention keys and values of the encoder output `memory`
        [B, T, D] (`lengths` [B] frames), for the utterances grouped as `groups` (lists
        of batch rows, each group padded only to its own longest utterance)."""
        return CrossAttentionMemory(self, memory, lengths, groups)

    def new_cache(self, hypotheses: int) -> "SelfAttentionCache":
        """An empty self-attention cache for step() over `hypotheses` rows."""
        first = self.decoders[0].self_attn
        return SelfAttentionCache(hypotheses, len(self.decoders), first.h, first.d_k, self.embed[0].weight)

    def step(self, tokens: Tensor, position: int, cache: "SelfAttentionCache",
             memory: "CrossAttentionMemory") -> Tensor:
        """One decoder position for [B, K] hypotheses (K beams of each of B utterances).

        tokens: [B, K] ids at `position` (0 for <sos>); cache: the hypotheses' keys and
        values of positions < `position` (rows in the order of tokens.view(-1)), grown by
        this one; memory: memory_kv() of the B utterances. -> log-probs [B, K, V].
        """
        b, k = tokens.shape
        if cache.length != position or cache.rows != b * k:
            raise ValueError(f"cache holds {cache.rows} hypotheses x {cache.length} positions, "
                             f"step got {b * k} x position {position}")
        if memory.batch != b:
            raise ValueError(f"the cross-attention memory holds {memory.batch} utterances, step got {b}")
        x = self.embed[0](tokens) * self.embed[1].xscale + self.embed[1].pe[FAIRSEQ_POSITION_OFFSET + position].to(
            self.embed[0].weight.dtype)
        cache.open_position()
        for i, layer in enumerate(self.decoders):
            x = x + self.step_self_attention(layer, i, x, cache)
            x = x + self.step_cross_attention(layer, i, x, memory)
            ff = layer.feed_forward
            x = x + few_rows_linear(ff.w_2, ff.activation(few_rows_linear(ff.w_1, layer.norm3(x))))
        cache.length += 1
        return self.step_log_probs(x)

    # The step's parts are methods of their own so that bench/profile_decode.py can time them.

    def step_self_attention(self, layer: nn.Module, i: int, x: Tensor, cache: "SelfAttentionCache") -> Tensor:
        """Layer i's self-attention over the cached positions and this one (stored)."""
        b, k, _ = x.shape
        att = layer.self_attn
        h = layer.norm1(x)
        q = few_rows_linear(att.linear_q, h).reshape(b * k, att.h, 1, att.d_k)
        key, val = cache.write(i, few_rows_linear(att.linear_k, h).reshape(b * k, att.h, att.d_k),
                               few_rows_linear(att.linear_v, h).reshape(b * k, att.h, att.d_k))
        w = torch.softmax(q @ key.transpose(-1, -2) / math.sqrt(att.d_k), dim=-1)
        return few_rows_linear(att.linear_out, (w @ val).reshape(b, k, att.h * att.d_k))

    def step_cross_attention(self, layer: nn.Module, i: int, x: Tensor, memory: "CrossAttentionMemory") -> Tensor:
        """Layer i's attention over each utterance's encoder frames."""
        b, k, _ = x.shape
        src = layer.src_attn
        q = few_rows_linear(src.linear_q, layer.norm2(x)).reshape(b, k, src.h, src.d_k).transpose(1, 2)
        whole = memory.groups[0][0] is None
        context = None if whole else q.new_empty(q.shape)  # [B, heads, K, d_k]
        for rows, pad, kv in memory.groups:
            keys_t, values = kv[i]
            # In place, and no zeroing after the softmax: every utterance has a frame, so its
            # padded frames' exp underflows to 0 already (ESPnet's own zeroing is a no-op).
            scores = torch.matmul(q if whole else q.index_select(0, rows), keys_t)
            scores.div_(math.sqrt(src.d_k)).masked_fill_(pad, torch.finfo(q.dtype).min)
            part = torch.softmax(scores, dim=-1) @ values
            if whole:
                context = part
            else:
                context.index_copy_(0, rows, part)
        return few_rows_linear(src.linear_out, context.transpose(1, 2).reshape(b, k, src.h * src.d_k))

    def step_log_probs(self, x: Tensor) -> Tensor:
        """Final LayerNorm, output projection, log-softmax: [B, K, V] (float32 at least)."""
        return torch.log_softmax(few_rows_linear(self.output_layer, self.after_norm(x)).float(), dim=-1)


def few_rows_linear(linear: nn.Linear, x: Tensor) -> Tensor:
    """linear(x) for a step's few rows (the hypotheses), computed as W @ x^T: with few rows
    MKL runs that product 1.1-1.35x faster than x @ W^T, with the same sums in another
    order (equal to the last bit at 80 rows on the developers' CPU, not at every row
    count). -> a transposed view of the result. Other modules in a Linear's place (int8's
    quantised ones) and Linears with hooks run as they are."""
    if type(linear) is not nn.Linear or linear._forward_hooks or linear._forward_pre_hooks:
        return linear(x)
    rows, w = x.reshape(-1, x.size(-1)).t(), linear.weight
    out = torch.mm(w, rows) if linear.bias is None else torch.addmm(linear.bias[:, None], w, rows)
    return out.t().view(*x.shape[:-1], -1)


class CrossAttentionMemory:
    """The encoder output as the decoder layers' cross-attention reads it, projected once
    per utterance (shared by its beams): `groups` of (rows, pad, kv), rows [n] the batch
    rows of the group (None: the whole batch, in order), pad [n, 1, 1, T] True past each
    utterance's frames, kv per layer (keys [n, heads, d_k, T] transposed, values
    [n, heads, T, d_k]), contiguous in the layout a step's matmuls read (a strided view
    would be copied by every step of every layer). T is the group's longest: one padded
    batch of 5-20 s utterances makes every step read ~30% padding."""

    def __init__(self, decoder: FamaTransformerDecoder, memory: Tensor, lengths: Tensor, groups: List[List[int]]):
        self.batch = memory.size(0)
        if sorted(sum(groups, [])) != list(range(self.batch)):
            raise ValueError(f"groups {groups} do not hold each of the {self.batch} utterances once")
        empty = (lengths < 1).nonzero().flatten().tolist()
        if empty:
            raise ValueError(f"utterances {empty} of the batch have no encoder frames to attend to")
        self.groups: List[Tuple[Optional[Tensor], Tensor, List[Tuple[Tensor, Tensor]]]] = []
        groups = [sorted(g) for g in groups]  # one group in batch order is the whole batch: no indexing
        whole = len(groups) == 1
        for group in groups:
            rows = torch.tensor(group, device=memory.device)
            lens = lengths[rows]
            n, t = len(group), int(lens.max())
            mem = memory[rows, :t]
            kv = []
            for layer in decoder.decoders:
                att = layer.src_attn
                k = att.linear_k(mem).view(n, t, att.h, att.d_k).permute(0, 2, 3, 1).contiguous()
                v = att.linear_v(mem).view(n, t, att.h, att.d_k).transpose(1, 2).contiguous()
                kv.append((k, v))
            pad = torch.arange(t, device=memory.device)[None, :] >= lens[:, None]
            self.groups.append((None if whole else rows, pad[:, None, None, :], kv))

    def select(self, keep: Tensor) -> None:
        """Keep the batch rows `keep` (distinct), renumbered 0.. in that order."""
        new_row = torch.full((self.batch,), -1, dtype=torch.long, device=keep.device)
        new_row[keep] = torch.arange(keep.numel(), device=keep.device)
        groups = []
        for rows, pad, kv in self.groups:
            if rows is None:  # the whole batch stays the whole batch
                sel, new_rows = keep, None
            else:
                sel = (new_row[rows] >= 0).nonzero().squeeze(1)
                if sel.numel() == 0:  # every utterance of the group has finished
                    continue
                new_rows = new_row[rows[sel]]
            groups.append((new_rows, pad[sel], [(k[sel], v[sel]) for k, v in kv]))
        self.groups, self.batch = groups, keep.numel()


class SelfAttentionCache:
    """Every layer's self-attention keys and values for the running hypotheses: buffers
    [2 (keys, values), layers, rows, heads, capacity, d_k], positions < `length` filled.

    Two buffers are used in turn: reordering the hypotheses after a search step
    (select) copies the filled positions once into the other buffer, and the next step
    writes its position in place. Indexing and then concatenating, the plain way, copies
    the cache twice per step into fresh memory: 40% of a step's time on a CPU."""

    def __init__(self, rows: int, layers: int, heads: int, d_k: int, like: Tensor):
        self.layers, self.heads, self.d_k, self.like = layers, heads, d_k, like
        self.buffers: List[Optional[Tensor]] = [None, None]
        self.current, self.rows, self.length = 0, rows, 0

    def _buffer(self, which: int, rows: int, positions: int) -> Tensor:
        """Buffer `which`, reallocated (filled part kept) if smaller than rows x positions."""
        buf = self.buffers[which]
        if buf is None or buf.size(2) < rows or buf.size(4) < positions:
            old_rows, old_cap = (0, 0) if buf is None else (buf.size(2), buf.size(4))
            # Doubling: a search of n steps reallocates log2(n) times.
            new = self.like.new_empty(2, self.layers, max(rows, old_rows), self.heads,
                                      max(positions, 2 * old_cap, 16), self.d_k)
            if buf is not None and which == self.current and self.length:
                new[:, :, :self.rows, :, :self.length] = buf[:, :, :self.rows, :, :self.length]
            self.buffers[which] = buf = new
        return buf

    def open_position(self) -> None:
        """Room for position `length` in the current buffer."""
        self._buffer(self.current, self.rows, self.length + 1)

    def write(self, layer: int, key: Tensor, value: Tensor) -> Tuple[Tensor, Tensor]:
        """Store position `length` of `layer` (key, value [rows, heads, d_k]); -> that
        layer's keys and values of positions <= `length`, [rows, heads, length + 1, d_k]."""
        buf = self.buffers[self.current]
        buf[0, layer, :self.rows, :, self.length] = key
        buf[1, layer, :self.rows, :, self.length] = value
        return buf[0, layer, :self.rows, :, :self.length + 1], buf[1, layer, :self.rows, :, :self.length + 1]

    def select(self, index: Tensor) -> None:
        """Keep the hypotheses `index` (rows of the current order, repeats allowed), in
        that order."""
        src = self.buffers[self.current]
        # Room for the next position too: the current buffer then never grows by copying.
        dst = self._buffer(1 - self.current, index.numel(), self.length + 1)
        torch.index_select(src[:, :, :self.rows, :, :self.length], 2, index,
                           out=dst[:, :, :index.numel(), :, :self.length])
        self.current, self.rows = 1 - self.current, index.numel()
