"""FAMA's beam search vectorised over utterances x beams: the default decoder.

A step scores every candidate (g, c), g a running hypothesis and c a token, as

    s(g + c) = s(g) + log p_dec(c | g) + w * (psi(g + c) - psi(g))

(psi the CTC prefix log-probability of the final CTC head, from the first token after the
tag; w = 0 without joint CTC; the attention term is not scaled by 1 - w), plus FAMA's
rule terms (rules.py: no repeated n-gram, <unk> penalty, </s> at max_len). The tag is
forced after <sos> and its decoder log-prob counts; final hypotheses rank by rules.rank.

Two beam semantics choose the next beam from those scores (`beam_semantics`):

fairseq (FBK-fairseq's SequenceGenerator, which FAMA's generate runs; the default):
  1. take the C = 2 x beam best candidates of the utterance, best first; <pad> is never a
     candidate. A slot has one </s> candidate, so at least `beam` of them do not end;
  2. finalise, in that order, the finite ones ending in </s> among the first `beam`, while
     the utterance holds fewer than `beam` final hypotheses (later ones are dropped even
     if their normalised score is better); </s> ranked beam + 1 .. C is dropped;
  3. the first `beam` candidates not ending in </s> form the next beam; -inf ones are dead
     slots (fewer than C finite candidates: the forced tag, the last step);
  4. the utterance stops once it holds `beam` final hypotheses; at the last step every
     live hypothesis ends in </s> and is finalised (up to `beam`).
espnet (ESPnet's BatchBeamSearch, the reference `beam_search.FamaBeamSearch`): the C = beam
best candidates form the next beam; those ending in </s> end there and leave their slot
empty; the utterance stops once `beam` hypotheses ended (all that end at that step count).

Computed with less work than scoring everything:
  - decoder: self-attention keys/values cached per hypothesis (one copy per step to
    reorder them: decoder.SelfAttentionCache), cross-attention
    keys/values projected once per utterance and shared by its beams, held in groups of
    similar length each padded only to its own longest (decoder.CrossAttentionMemory);
  - joint CTC: a CTC prefix probability never grows when a token is appended (every
    continuation of g + c continues g, and g + </s> is one of them), so the CTC term is
    <= 0 and the decoder-side score of a candidate bounds its joint score. Candidates are
    CTC-scored best bound first, widening until the best unscored bound is below the C-th
    joint score: the C candidates, in order, are those full-vocabulary scoring gives, at
    the cost of a few dozen candidates;
  - the CTC time recursion is a cumsum + logcumsumexp over frames (ctc_prefix.py);
  - n-gram blocking, token penalties, max length, both semantics and end of search as
    tensor ops; finished utterances leave the batch.
"""
from typing import List, Optional, Tuple

import torch
from torch import Tensor

from fama_espnet.decoding.ctc_prefix import CTCPrefixScore
from fama_espnet.decoding.options import DecodingOptions
from fama_espnet.decoding.rules import NEG_INF, Hypothesis, ban_repeated_ngrams_, must_end, rank, token_penalties
from fama_espnet.model import MAX_CHUNK_PADDING, FamaModel, padding_chunks

# CTC candidates scored per utterance before the bound is checked, in beams.
FIRST_CANDIDATES_PER_BEAM = 8


class EspnetBeam:
    """ESPnet's BatchBeamSearch: the `beam` best candidates are the next beam; those that
    end in </s> are final and leave their slot empty."""

    def __init__(self, beam: int, eos: int):
        self.beam, self.eos, self.n_candidates = beam, eos, beam

    def split(self, total: Tensor, token: Tensor, n_final: Tensor) -> Tuple[Tensor, Tensor]:
        """total, token [b, C] best first; n_final [b] -> (final [b, C]: the candidates that
        end here, keep [b, beam]: the candidates (column indices) of the next beam)."""
        final = (token == self.eos) & torch.isfinite(total)
        return final, torch.arange(self.beam, device=total.device).expand(total.size(0), -1)


class FairseqBeam:
    """FBK-fairseq's SequenceGenerator: of the 2 x beam best candidates, </s> among the first
    `beam` is final (while fewer than `beam` are), the first `beam` others run on."""

    def __init__(self, beam: int, eos: int):
        self.beam, self.eos, self.n_candidates = beam, eos, 2 * beam

    def split(self, total: Tensor, token: Tensor, n_final: Tensor) -> Tuple[Tensor, Tensor]:
        beam, n_cand = self.beam, total.size(1)
        ends = (token == self.eos) & torch.isfinite(total)
        ranked = torch.arange(n_cand, device=total.device)
        first = ends & (ranked < beam)
        # Finalised in rank order, only while the utterance holds fewer than `beam`.
        final = first & (first.cumsum(1) <= (beam - n_final)[:, None])
        # Candidates that end sort after all others; at most `beam` end (one per slot).
        keep = (ranked + n_cand * ends).topk(beam, dim=1, largest=False).indices
        return final, keep


BEAMS = {"fairseq": FairseqBeam, "espnet": EspnetBeam}


class FastBeamSearch:
    def __init__(self, model: FamaModel, options: DecodingOptions):
        self.model, self.options = model, options
        self.vocab = model.vocab_size
        self.beam = BEAMS[options.beam_semantics](options.beam_size, model.eos)
        if self.vocab < self.beam.n_candidates:
            raise ValueError(f"{self.vocab} tokens cannot fill {self.beam.n_candidates} candidates per step "
                             f"(beam {options.beam_size}, {options.beam_semantics} semantics)")
        penalties = token_penalties(model.token_list, options)
        self.penalized = torch.tensor(list(penalties), dtype=torch.long)
        self.penalty = -torch.tensor(list(penalties.values()), dtype=torch.float)
        self.only_eos = torch.full((self.vocab,), NEG_INF)
        self.only_eos[model.eos] = 0.0

    @torch.no_grad()
    def decode(self, enc: Tensor, enc_lens: Tensor, tags: Tensor) -> List[List[Hypothesis]]:
        """n-best lists for a padded batch of encoder outputs, one target tag each."""
        enc_lens, tags = enc_lens.to(enc.device), tags.view(-1).to(enc.device)
        opt, model, dec = self.options, self.model, self.model.decoder
        n_utt, beam, vocab, device = enc.size(0), opt.beam_size, self.vocab, enc.device
        penalized, penalty = self.penalized.to(device), self.penalty.to(device)
        only_eos = self.only_eos.to(device)
        memory = dec.memory_kv(enc, enc_lens, padding_chunks(enc_lens.tolist(), MAX_CHUNK_PADDING))
        cache = dec.new_cache(n_utt)
        logp = dec.step(torch.full((n_utt, 1), model.sos, device=device), 0, cache, memory)
        score = logp[:, 0].gather(1, tags[:, None])  # [B, 1]: the forced tag's log-prob counts
        yseq = torch.stack([torch.full_like(tags, model.sos), tags], dim=1)[:, None, :]  # [B, 1, 2]
        logp = dec.step(tags[:, None], 1, cache, memory)
        ctc = None
        if opt.ctc_weight > 0:
            ctc = CTCPrefixScore(model.final_ctc_log_probs(enc, tags), enc_lens, model.blank_id, model.eos)
        active = torch.ones(n_utt, 1, dtype=torch.bool, device=device)
        alive = torch.arange(n_utt, device=device)  # original index of each batch row
        final: List[List[Hypothesis]] = [[] for _ in range(n_utt)]
        n_final = torch.zeros(n_utt, dtype=torch.long, device=device)  # per batch row

        for i in range(opt.max_len):
            b, k = active.shape
            # [b, k, V]; weights 1.0, summed in the reference's order. In place: a step's
            # log-probs are fresh, and a pass over fresh memory costs several on a CPU.
            base = logp
            if opt.no_repeat_ngram_size > 0:
                ban_repeated_ngrams_(base.view(b * k, vocab), yseq.view(b * k, -1), opt.no_repeat_ngram_size)
            if penalized.numel():
                base[:, :, penalized] += penalty  # what adding a row of 0s and -penalties adds
            if must_end(yseq.size(2) - 1, opt.max_len):
                base = base + only_eos
            base.masked_fill_(~active[:, :, None], NEG_INF)
            total, slot, token = self._select(base, score, ctc, b, k)  # [b, C], best first
            ends, keep = self.beam.split(total, token, n_final)
            self._finalise(final, alive, ends, yseq, slot, token, total)
            n_final = n_final + ends.sum(1)
            slot, token, score = slot.gather(1, keep), token.gather(1, keep), total.gather(1, keep)
            rows = torch.arange(b, device=device)[:, None]
            yseq = torch.cat([yseq[rows, slot], token[:, :, None]], dim=2)
            parent = rows * k + slot  # [b, beam]: each new hypothesis's cache row
            active = torch.isfinite(score) & (token != model.eos)
            running = active.any(1) & (n_final < beam)
            if not bool(running.any()):
                break
            if not bool(running.all()):
                idx = running.nonzero().squeeze(1)
                alive, active, yseq, score, token = alive[idx], active[idx], yseq[idx], score[idx], token[idx]
                n_final, parent = n_final[idx], parent[idx]
                memory.select(idx)
            # The new hypotheses' states, finished utterances dropped, in one copy each.
            cache.select(parent.view(-1))
            if ctc is not None:
                ctc.advance(parent.view(-1), token.view(-1))
            logp = dec.step(token, i + 2, cache, memory)

        return [rank(h, opt) for h in final]

    @staticmethod
    def _finalise(final: List[List[Hypothesis]], alive: Tensor, ends: Tensor, yseq: Tensor, slot: Tensor,
                  token: Tensor, total: Tensor) -> None:
        """Append the candidates marked in `ends` [b, C] to their utterance's list, in rank order."""
        r, c = ends.nonzero(as_tuple=True)  # row-major: each utterance's in rank order
        if r.numel() == 0:
            return
        seqs = torch.cat([yseq[r, slot[r, c]], token[r, c][:, None]], dim=1).cpu()
        scores = total[r, c].float().cpu()
        for j, utt in enumerate(alive[r].tolist()):
            final[utt].append(Hypothesis(yseq=seqs[j], score=float(scores[j])))

    def _select(self, base: Tensor, score: Tensor, ctc: Optional[CTCPrefixScore], b: int, k: int):
        """The C best (slot, token) per utterance under the joint score, best first (C = the
        semantics' candidates per step). -> (total, slot, token), each [b, C]."""
        n_sel, vocab = self.beam.n_candidates, self.vocab
        n_cand = k * vocab
        if ctc is None:
            bound = base.add_(score[:, :, None]).view(b, n_cand)  # base is not needed again
            total, flat = bound.topk(n_sel, dim=1)
            return total, flat // vocab, flat % vocab
        bound = (base + score[:, :, None]).view(b, n_cand)  # the joint score without CTC
        # Score candidates best bound first; usually the first chunk settles the selection.
        base = base.view(b, n_cand)
        utt = torch.arange(b, device=base.device)
        width = min(FIRST_CANDIDATES_PER_BEAM * self.options.beam_size, n_cand)
        top, order = bound.topk(min(width + 1, n_cand), dim=1)
        joint = self._joint(base, score, ctc, utt, k, order[:, :width])
        total, pick = joint.topk(n_sel, dim=1)
        flat = order.gather(1, pick)
        if width < n_cand:
            # Every unscored candidate's joint score is <= its bound <= top[:, width].
            nxt = top[:, width]
            open_ = ~((nxt == NEG_INF) | (nxt < total[:, -1]))
            if bool(open_.any()):  # widen for those utterances only
                u = open_.nonzero().squeeze(1)
                total[u], flat[u] = self._widen(bound[u], base[u], score[u], ctc, u, k, order[u, :width], joint[u])
        return total, flat // vocab, flat % vocab

    def _widen(self, bound: Tensor, base: Tensor, score: Tensor, ctc: CTCPrefixScore, utt: Tensor, k: int,
               cand: Tensor, joint: Tensor) -> Tuple[Tensor, Tensor]:
        """_select's search past the first chunk: cand [u, w] are scored (joint [u, w]); score
        the next best bounds, 3 x w at a time, until the best unscored bound is below the
        C-th joint score. -> (total, flat candidate index) [u, C]."""
        n_cand, width = bound.size(1), cand.size(1)
        unscored = bound.scatter(1, cand, NEG_INF)
        while True:
            m = min(3 * width, n_cand - width)
            top, new = unscored.topk(min(m + 1, n_cand), dim=1)
            # Fewer than m finite unscored bounds: topk may return scored ones again (masked
            # to -inf); their joint is -inf too, so they fill, never duplicate, the selection.
            new_joint = self._joint(base, score, ctc, utt, k, new[:, :m]).masked_fill(top[:, :m] == NEG_INF, NEG_INF)
            cand, joint = torch.cat([cand, new[:, :m]], dim=1), torch.cat([joint, new_joint], dim=1)
            width += m
            total, pick = joint.topk(self.beam.n_candidates, dim=1)
            if width >= n_cand:
                return total, cand.gather(1, pick)
            nxt = top[:, m]  # the best bound still unscored
            if bool(((nxt == NEG_INF) | (nxt < total[:, -1])).all()):
                return total, cand.gather(1, pick)
            unscored = unscored.scatter(1, new[:, :m], NEG_INF)

    def _joint(self, base: Tensor, score: Tensor, ctc: CTCPrefixScore, utt: Tensor, k: int, cand: Tensor) -> Tensor:
        """Joint scores [u, w] of the flat candidates cand [u, w] (slot * V + token) of the
        utterances (batch rows) utt [u]; base [u, k * V], score [u, k]."""
        slot = cand // self.vocab
        delta = ctc.delta((utt[:, None] * k + slot).view(-1), (cand % self.vocab).reshape(-1)).view(cand.shape)
        # A dead slot's prefix can be CTC-impossible: -inf - -inf is NaN, and topk ranks NaN first.
        delta = delta.masked_fill(delta.isnan(), NEG_INF)
        return base.gather(1, cand) + self.options.ctc_weight * delta.to(base.dtype) + score.gather(1, slot)
