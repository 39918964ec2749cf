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

Scoring a step's candidates (many per hypothesis) needs only the hypothesis's shifted
phi (phi_{t-1}, -inf past its utterance's frames; at t = 0 the empty prefix's start) and
its end probability: both are computed once per hypothesis when it is made (advance),
so a candidate costs one gather of x(c), an add and a logsumexp.
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
        self.psi = torch.zeros(b, dtype=torch.float64, device=logp.device)  # psi of each row's prefix
        self.utt = torch.arange(b, device=logp.device)  # utterance of each row
        # The empty prefix: no label yet, all-blank paths only.
        self._set_rows(torch.full_like(self.blank_cum, NEG_INF), self.blank_cum,
                       torch.full((b,), -1, dtype=torch.long, device=logp.device))

    def _set_rows(self, rn: Tensor, rb: Tensor, last: Tensor) -> None:
        """New rows with forward variables rn, rb [rows, T] and last labels `last` (-1: none):
        keeps r for the recursion and the per-row terms every candidate of a row shares."""
        self.r, self.last = torch.stack([rn, rb], dim=-1), last  # [rows, T, 2]
        ok = self.frame_ok[self.utt]
        # prev[:, 0, t]: phi_{t-1} from logaddexp(r^n, r^b); prev[:, 1, t]: from r^b alone (c repeats g's
        # last label). Frame 0: only the empty prefix lets c start there (log 1).
        start = torch.where(last < 0, 0.0, NEG_INF).to(rn.dtype)[:, None]
        phi = torch.stack([torch.logaddexp(rn, rb), rb], dim=1)  # [rows, 2, T]
        prev = torch.cat([start[:, None].expand(-1, 2, -1), phi[:, :, :-1]], dim=2)
        self.prev = prev.masked_fill(~ok[:, None, :], NEG_INF)
        end = (self.lengths[self.utt] - 1)[:, None]
        self.at_end = phi[:, 0].gather(1, end).squeeze(1)  # psi(g + </s>)

    def delta(self, rows: Tensor, tokens: Tensor) -> Tensor:
        """psi(g + c) - psi(g) [P] (float64) for the pairs (rows[p], tokens[p]). </s> gives
        g's full-sequence probability, blank -inf. Needs no recursion: only g's variables."""
        return self._psi(rows, tokens)[0] - self.psi[rows]

    def _psi(self, rows: Tensor, tokens: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """(psi(g + c) [P], x_t(c) [P, T], the row's shifted phi for c [P, T]) of the pairs, float64."""
        x = self.logp[self.utt[rows], tokens].double()  # [P, T]: x_t(c)
        prev = self.prev[rows, (tokens == self.last[rows]).long()]  # phi_{t-1} (frame 0: the start)
        psi = torch.logsumexp(prev + x, dim=1)
        psi = torch.where(tokens == self.eos, self.at_end[rows], psi)
        return psi.masked_fill(tokens == self.blank, NEG_INF), x, prev

    def advance(self, rows: Tensor, tokens: Tensor) -> None:
        """Make the pairs (rows[p], tokens[p]) the new rows, in this order: the forward
        variables of g + c over all frames, as two scans."""
        psi, x, prev = self._psi(rows, tokens)
        acc = x.cumsum(1)
        # r_t^n(h) = A_t + logcumsumexp_s(phi_{s-1} - A_{s-1}), A_{-1} = 0.
        terms = prev - torch.cat([torch.zeros_like(acc[:, :1]), acc[:, :-1]], dim=1)
        new_rn = acc + torch.logcumsumexp(terms, dim=1)
        utt = self.utt[rows]
        bcum = self.blank_cum[utt]
        terms = torch.cat([torch.full_like(new_rn[:, :1], NEG_INF), (new_rn - bcum)[:, :-1]], dim=1)
        new_rb = bcum + torch.logcumsumexp(terms, dim=1)
        self.psi, self.utt = psi, utt
        self._set_rows(new_rn, new_rb, tokens)
