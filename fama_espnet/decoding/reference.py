"""FAMA decoding on ESPnet's BatchBeamSearch (utterance-batched): the fast search's tested twin.

FAMA's rules (rules.py), each an ESPnet scorer (scorers.py) or a hook:
  forced target tag     per-utterance primer `<sos/eos> <lang:xx>`; the tag's decoder
                        log-prob counts in the score, as in fairseq's positional scores
  <unk> banned          TokenPenaltyScorer (--unkpen 10000)
  no repeated 5-gram    NgramBlockScorer (--no-repeat-ngram-size 5)
  max length            EosAtMaxLength: </s> is forced as token max_len + 1 (--max-len-b)
  joint CTC             FamaCTCPrefixScorer, weight 0.2 added to the decoder's 1.0
  final ranking         rules.rank (ESPnet's normalize_length ranks the same way)
  end of search         an utterance stops once `beam` hypotheses have ended, as fairseq
Beam semantics are ESPnet's (the `beam` best candidates; those ending in </s> take beam
slots), so this search requires `beam_semantics: espnet`; fairseq's semantics (FAMA's
generate) are implemented by the fast search only (fast.py).
"""
from typing import List, Optional

import torch
from torch import Tensor

from espnet2.legacy.nets.batch_beam_search import BatchBeamSearch

from fama_espnet.decoding.options import DecodingOptions
from fama_espnet.decoding.rules import Hypothesis, rank, token_penalties
from fama_espnet.decoding.scorers import EosAtMaxLength, FamaCTCPrefixScorer, NgramBlockScorer, TokenPenaltyScorer
from fama_espnet.model import FamaModel

# When fewer than `beam` real candidates remain (the forced-</s> step), ESPnet's top-k
# still fills the beam, with -inf (banned), LOG_ZERO (-1e10, ended slot) or CTC-blank
# (0.2 * -1e10) scores. Any real hypothesis scores far above this.
NOT_A_HYPOTHESIS = -1e9


class FamaBeamSearch(BatchBeamSearch):
    def __init__(self, model: FamaModel, options: DecodingOptions):
        if options.beam_semantics != "espnet":
            raise ValueError(f"search: espnet (ESPnet's BatchBeamSearch) has ESPnet's beam semantics only, got "
                             f"beam_semantics: {options.beam_semantics}; use search: fast for fairseq's")
        vocab = model.vocab_size
        scorers = {"decoder": model.decoder}
        weights = {"decoder": 1.0}
        if options.ctc_weight > 0:
            scorers["ctc"] = FamaCTCPrefixScorer(model, eos=model.eos, blank=model.blank_id)
            weights["ctc"] = options.ctc_weight
        if options.no_repeat_ngram_size > 0:
            scorers["ngram_block"] = NgramBlockScorer(options.no_repeat_ngram_size, vocab)
            weights["ngram_block"] = 1.0
        penalties = token_penalties(model.token_list, options)
        if penalties:
            scorers["unk_penalty"] = TokenPenaltyScorer(penalties, vocab)
            weights["unk_penalty"] = 1.0
        scorers["max_length"] = EosAtMaxLength(options.max_len, model.eos, vocab)
        weights["max_length"] = 1.0
        super().__init__(
            scorers=scorers, weights=weights, beam_size=options.beam_size, vocab_size=vocab,
            sos=model.sos, eos=model.eos, token_list=None, pre_beam_score_key=None,
            normalize_length=options.normalize_length,
        )
        self.model, self.options = model, options

    @torch.no_grad()
    def decode(self, enc: Tensor, enc_lens: Tensor, tags: Tensor) -> List[List[Hypothesis]]:
        """n-best lists for a padded batch of encoder outputs, one target tag each."""
        tags = tags.view(-1)
        self.set_hyp_primer([[self.sos, int(t)] for t in tags.tolist()])
        if "ctc" in self.scorers:
            self.scorers["ctc"].set_tags(tags)
        # One step past max_len: EosAtMaxLength ends every hypothesis before ESPnet's
        # own final step would append an unscored </s>.
        results = self.forward(x=enc, x_lengths=enc_lens, maxlenratio=-(self.options.max_len + 1))
        return [rank([Hypothesis(h.yseq, float(h.score)) for h in r if float(h.score) > NOT_A_HYPOTHESIS], self.options)
                for r in results]

    def init_hyp(self, x: Tensor, x_lengths: Optional[Tensor] = None):
        hyps = super().init_hyp(x, x_lengths)
        # fairseq counts the forced tag's own decoder log-prob in the hypothesis score.
        xs = x if x.dim() == 3 else x.unsqueeze(0)
        n_utt = xs.size(0)
        sos = torch.full((n_utt, 1), self.sos, dtype=torch.long, device=x.device)
        xs_mask = None
        if x_lengths is not None and x.dim() == 3:  # padded frames must not be attended to
            xs_mask = (torch.arange(xs.size(1), device=x.device)[None, :] < x_lengths[:, None].to(x.device))[:, None]
        logp, _ = self.model.decoder.batch_score(sos, [None] * n_utt, xs, xs_mask=xs_mask)
        tags = hyps.yseq[:: hyps.n_hyp_per_utt, 1] if n_utt > 1 else hyps.yseq[:1, 1]
        tag_lp = logp.gather(1, tags[:, None].to(logp.device)).squeeze(1).to(hyps.score.dtype)
        tag_lp = tag_lp.repeat_interleave(hyps.n_hyp_per_utt) if n_utt > 1 else tag_lp
        scores = dict(hyps.scores)
        scores["decoder"] = scores["decoder"] + tag_lp
        return hyps.replace(score=hyps.score + tag_lp, scores=scores)

    def post_process(self, i, maxlen, minlen, maxlenratio, running_hyps, ended_hyps):
        out = super().post_process(i, maxlen, minlen, maxlenratio, running_hyps, ended_hyps)
        per_utt = ended_hyps if ended_hyps and isinstance(ended_hyps[0], list) else [ended_hyps]
        if running_hyps.n_utt == 1:
            if len(per_utt[0]) >= self.beam_size:
                return self._batch_select(out, []).replace(done=torch.ones(1, dtype=torch.bool))
            return out
        done = out.done_mask().clone()
        active = out.active_mask().clone()
        k = out.n_hyp_per_utt
        for b, ended in enumerate(per_utt):
            if len(ended) >= self.beam_size and not done[b]:
                done[b] = True
                active[b * k:(b + 1) * k] = False
        return out.replace(active=active, done=done)
