"""FAMA's beam search vectorised over utterances x beams: the default decoder.

Same rules and the same beam as the reference (`beam_search.FamaBeamSearch`, ESPnet's
BatchBeamSearch with FAMA's scorers), computed with less work:
  - decoder: self-attention keys/values cached per hypothesis, cross-attention
    keys/values projected once per utterance and shared by its beams (decoder.step);
  - joint CTC: a CTC prefix probability never grows when a token is appended (every
    continuation of g + c continues g), so the CTC term is <= 0 and the decoder-side
    score of a candidate bounds its joint score. Candidates are CTC-scored best-first,
    widening until the best unscored bound is below the K-th joint score: the beam is
    the one full-vocabulary scoring selects, at the cost of a few dozen candidates;
  - the CTC time recursion is a cumsum + logcumsumexp over frames (ctc_prefix_score.py);
  - n-gram blocking, <unk> penalty, max length, ranking and end of search as tensor ops;
    finished utterances leave the batch.
Rules, as the reference: the target tag forced after <sos> (its log-prob counted),
`score = log p_dec + ctc_weight * CTC prefix delta` summed over tokens, </s> forced as
token max_len + 1, an utterance ends once `beam` hypotheses ended, n-best ranked by
score / (tokens incl. tag and </s>).
"""
from typing import List, Optional

import torch
from torch import Tensor

from espnet2.legacy.nets.beam_search import Hypothesis

from fama_espnet.beam_search import DecodingOptions
from fama_espnet.ctc_prefix_score import CTCPrefixScore

# CTC candidates scored per utterance before the bound is checked, in beams.
FIRST_CANDIDATES_PER_BEAM = 8
NEG_INF = float("-inf")


def ngram_ban(yseq: Tensor, n: int, vocab_size: int) -> Tensor:
    """-inf on every token that would complete an n-gram already in each row of yseq [N, L]."""
    ban = torch.zeros(yseq.size(0), vocab_size + 1, device=yseq.device)
    if yseq.size(1) < n:
        return ban[:, :vocab_size]
    windows = yseq.unfold(1, n, 1)  # [N, W, n]
    tail = yseq[:, yseq.size(1) - n + 1:]  # the last n - 1 tokens
    match = (windows[:, :, : n - 1] == tail[:, None, :]).all(-1)
    ban.scatter_(1, torch.where(match, windows[:, :, -1], vocab_size), NEG_INF)
    return ban[:, :vocab_size]


class FastBeamSearch:
    def __init__(self, model: torch.nn.Module, options: DecodingOptions):
        self.model, self.options = model, options
        self.vocab = model.vocab_size
        self.unk = model.token_list.index("<unk>") if "<unk>" in model.token_list else None

    @torch.no_grad()
    def decode(self, enc: Tensor, enc_lens: Tensor, tags: Tensor) -> List[List[Hypothesis]]:
        """n-best lists for a padded batch of encoder outputs, one target tag each."""
        enc_lens, tags = enc_lens.to(enc.device), tags.view(-1).to(enc.device)
        opt, model, dec = self.options, self.model, self.model.decoder
        n_utt, beam, vocab, device = enc.size(0), opt.beam_size, self.vocab, enc.device
        memory_kv = dec.memory_kv(enc)
        memory_mask = torch.arange(enc.size(1), device=device)[None, :] < enc_lens[:, None]
        logp, cache = dec.step(torch.full((n_utt, 1), model.sos, device=device), 0, None, memory_kv, memory_mask)
        score = logp[:, 0].gather(1, tags[:, None])  # [B, 1]: the forced tag's log-prob counts
        yseq = torch.stack([torch.full_like(tags, model.sos), tags], dim=1)[:, None, :]  # [B, 1, 2]
        logp, cache = dec.step(tags[:, None], 1, cache, memory_kv, memory_mask)
        ctc = None
        if opt.ctc_weight > 0:
            ctc = CTCPrefixScore(model.final_ctc_log_probs(enc, tags), enc_lens, model.blank_id, model.eos)
        active = torch.ones(n_utt, 1, dtype=torch.bool, device=device)
        alive = torch.arange(n_utt, device=device)  # original index of each batch row
        ended: List[List[Hypothesis]] = [[] for _ in range(n_utt)]
        n_ended = torch.zeros(n_utt, dtype=torch.long, device=device)  # per batch row

        for i in range(opt.max_len):
            b, k = active.shape
            base = logp  # [b, k, V]; weights 1.0, summed in the reference's order
            if opt.no_repeat_ngram_size > 0:
                base = base + ngram_ban(yseq.view(b * k, -1), opt.no_repeat_ngram_size, vocab).view(b, k, vocab)
            if self.unk is not None and opt.penalty_unk > 0:
                base = base.clone()
                base[:, :, self.unk] -= opt.penalty_unk
            if i == opt.max_len - 1:  # only </s> may follow the max_len-th token
                only_eos = torch.full((vocab,), NEG_INF, device=device)
                only_eos[model.eos] = 0.0
                base = base + only_eos
            base = base.masked_fill(~active[:, :, None], NEG_INF)
            total, slot, token = self._select(base, score, ctc, b, k)
            keep = torch.isfinite(total)
            # New hypotheses, ordered best first as ESPnet's topk.
            rows = torch.arange(b, device=device)[:, None]
            yseq = torch.cat([yseq[rows, slot], token[:, :, None]], dim=2)
            score = total
            cache = [(kk[rows, slot], vv[rows, slot]) for kk, vv in cache]
            is_eos = (token == model.eos) & keep
            active = keep & ~is_eos
            for r, s in is_eos.nonzero().tolist():
                ended[int(alive[r])].append(Hypothesis(yseq=yseq[r, s].cpu(), score=score[r, s].float().cpu(),
                                                       scores={}, states={}))
            n_ended = n_ended + is_eos.sum(1)
            running = active.any(1) & (n_ended < beam)
            if not bool(running.any()):
                break
            if not bool(running.all()):
                idx = running.nonzero().squeeze(1)
                alive, active, yseq, score, token = alive[idx], active[idx], yseq[idx], score[idx], token[idx]
                n_ended = n_ended[idx]
                cache = [(kk[idx], vv[idx]) for kk, vv in cache]
                memory_kv = [(kk[idx], vv[idx]) for kk, vv in memory_kv]
                memory_mask = memory_mask[idx]
                if ctc is not None:
                    ctc.keep((idx[:, None] * beam + torch.arange(beam, device=device)).view(-1))
            logp, cache = dec.step(token, i + 2, cache, memory_kv, memory_mask)

        return [sorted(h, key=lambda x: float(x.score) / (len(x.yseq) - 1) if opt.normalize_length
                       else float(x.score), reverse=True)[: opt.nbest] for h in ended]

    def _select(self, base: Tensor, score: Tensor, ctc: Optional[CTCPrefixScore], b: int, k: int):
        """The `beam` best (slot, token) per utterance under the joint score, best first.
        -> (total [b, K], slot [b, K], token [b, K]); the CTC state advances to the choice."""
        beam, vocab, weight = self.options.beam_size, self.vocab, self.options.ctc_weight
        n_cand = k * vocab
        bound = (base + score[:, :, None]).view(b, n_cand)  # the joint score without CTC
        if ctc is None:
            total, flat = bound.topk(beam, dim=1)
            return total, flat // vocab, flat % vocab
        # Score candidates best bound first; usually the first chunk settles the beam.
        width = min(FIRST_CANDIDATES_PER_BEAM * beam, n_cand)
        top, order = bound.topk(min(width + 1, n_cand), dim=1)
        sorted_all, scored, joints = False, 0, []
        while True:
            cand = order[:, scored:width]
            slot = cand // vocab
            rows = (torch.arange(b, device=base.device)[:, None] * k + slot).view(-1)
            delta = ctc.delta(rows, (cand % vocab).reshape(-1)).view(b, -1)
            joints.append((base.view(b, n_cand).gather(1, cand) + weight * delta.to(base.dtype))
                          + score.gather(1, slot))
            scored = width
            joint = torch.cat(joints, dim=1)
            total, pick = joint.topk(beam, dim=1)
            if width >= n_cand:
                break
            # Every unscored candidate's joint score is <= its bound <= top[:, width].
            nxt = top[:, width]
            if bool(((nxt == NEG_INF) | (nxt < total[:, -1])).all()):
                break
            width = min(4 * width, n_cand)
            if not sorted_all:  # one full ordering, so later chunks extend the scored prefix
                top, order = bound.sort(dim=1, descending=True, stable=True)
                top = torch.cat([top, top.new_full((b, 1), NEG_INF)], dim=1)
                sorted_all, scored, joints = True, 0, []
                # (topk's order among equal bounds may differ from sort's: rescore from the start)
        flat = order.gather(1, pick)
        slot, token = flat // vocab, flat % vocab
        rows = (torch.arange(b, device=base.device)[:, None] * k + slot).view(-1)
        ctc.advance(rows, token.reshape(-1))
        return total, slot, token
