"""CTC prefix scores for chosen (hypothesis, next token) pairs, without a loop over frames.

For a prefix g with forward variables r_t^n(g), r_t^b(g) (paths over frames 0..t that
emitted g ending in a label / in blank) and a candidate c, h = g + c has

    r_t^n(h) = logaddexp(r_{t-1}^n(h), phi_{t-1}) + x_t(c)
    r_t^b(h) = logaddexp(r_{t-1}^n(h), r_{t-1}^b(h)) + x_t(blank)
    psi(h)   = logsumexp_t (phi_{t-1} + x_t(c))          (the prefix probability)

with phi = logaddexp(r^n(g), r^b(g)), or r^b(g) alone when c repeats g's last label.
Each recursion is linear in the log semiring, so with A_t = sum_{s<=t} x_s it unrolls to
r_t^n(h) = A_t + logcumsumexp_t(phi_{t-1} - A_{t-1}): one cumsum and one logcumsumexp
over frames, batched over every pair (the formulation ESPnet's CTCPrefixScoreTH runs as a
Python loop over frames). The subtraction of large cumulative sums is done in float64.
`</s>` ends a hypothesis: psi(g + </s>) = logaddexp(r^n, r^b) of g at its last frame.
"""
from typing import Tuple

import torch
from torch import Tensor

NEG_INF = float("-inf")


class CTCPrefixScore:
    """Prefix-score state of a flat set of hypotheses ("rows"), each tied to an utterance.

    logp: [B, T, V] CTC log-probs (FAMA: the final head under each utterance's tag);
    lengths: [B] valid frames. A fresh state holds one empty prefix per utterance.
    """

    def __init__(self, logp: Tensor, lengths: Tensor, blank: int, eos: int):
        # [B, V, T]: a candidate's frames are one contiguous row to gather.
        self.logp, self.blank, self.eos = logp.transpose(1, 2).contiguous(), blank, eos
        self.lengths = lengths.to(logp.device)
        b, t, _ = logp.shape
        self.frame_ok = torch.arange(t, device=logp.device)[None, :] < self.lengths[:, None]  # [B, T]
        self.blank_cum = logp[:, :, blank].double().cumsum(1)  # [B, T]
        # The empty prefix: no label yet, all-blank paths only.
        self.r = torch.stack([torch.full_like(self.blank_cum, NEG_INF), self.blank_cum], dim=-1)  # [rows, T, 2]
        self.psi = torch.zeros(b, dtype=torch.float64, device=logp.device)  # psi of each row's prefix
        self.last = torch.full((b,), -1, dtype=torch.long, device=logp.device)  # last label (-1: none)
        self.utt = torch.arange(b, device=logp.device)  # utterance of each row

    def _gather(self, rows: Tensor, tokens: Tensor) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
        utt = self.utt[rows]
        x = self.logp[utt, tokens].double()  # [P, T]: x_t(c)
        rn, rb = self.r[rows, :, 0], self.r[rows, :, 1]
        phi = torch.where((tokens == self.last[rows])[:, None], rb, torch.logaddexp(rn, rb))
        r0 = torch.where(self.last[rows] < 0, x[:, 0], NEG_INF)  # only an empty g lets c start at frame 0
        return utt, x, phi, r0

    def delta(self, rows: Tensor, tokens: Tensor) -> Tensor:
        """psi(g + c) - psi(g) [P] (float64) for the pairs (rows[p], tokens[p]). </s> gives
        g's full-sequence probability, blank -inf. Needs no recursion: only g's variables."""
        return self._delta(rows, tokens, *self._gather(rows, tokens))

    def _delta(self, rows: Tensor, tokens: Tensor, utt: Tensor, x: Tensor, phi: Tensor, r0: Tensor) -> Tensor:
        start = torch.cat([r0[:, None], phi[:, :-1] + x[:, 1:]], dim=1)
        psi = torch.logsumexp(start.masked_fill(~self.frame_ok[utt], NEG_INF), dim=1)
        end = (self.lengths[utt] - 1)[:, None]
        rn, rb = self.r[rows, :, 0], self.r[rows, :, 1]
        at_end = torch.logaddexp(rn.gather(1, end), rb.gather(1, end)).squeeze(1)
        psi = torch.where(tokens == self.eos, at_end, psi)
        psi = psi.masked_fill(tokens == self.blank, NEG_INF)
        return psi - self.psi[rows]

    def advance(self, rows: Tensor, tokens: Tensor) -> None:
        """Make the pairs (rows[p], tokens[p]) the new rows, in this order: the forward
        variables of g + c over all frames, as two scans."""
        utt, x, phi, r0 = gathered = self._gather(rows, tokens)
        delta = self._delta(rows, tokens, *gathered)
        acc = x.cumsum(1)
        terms = torch.cat([(r0 - acc[:, 0])[:, None], (phi - acc)[:, :-1]], dim=1)
        new_rn = acc + torch.logcumsumexp(terms, dim=1)
        bcum = self.blank_cum[utt]
        terms = torch.cat([torch.full_like(r0, NEG_INF)[:, None], (new_rn - bcum)[:, :-1]], dim=1)
        new_rb = bcum + torch.logcumsumexp(terms, dim=1)
        self.psi = self.psi[rows] + delta
        self.r, self.last, self.utt = torch.stack([new_rn, new_rb], dim=-1), tokens, utt

    def keep(self, rows: Tensor) -> None:
        """Drop every row not listed (finished utterances leaving the batch)."""
        self.r, self.psi, self.last, self.utt = self.r[rows], self.psi[rows], self.last[rows], self.utt[rows]
