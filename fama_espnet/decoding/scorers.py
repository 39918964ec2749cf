"""FAMA's decoding rules (rules.py) as ESPnet scorers, so any ESPnet beam search can use them.

  NgramBlockScorer     fairseq --no-repeat-ngram-size: a token that would repeat an
                       n-gram already in the hypothesis gets -inf
  TokenPenaltyScorer   fairseq --unkpen: a fixed penalty on chosen tokens (<unk>)
  EosAtMaxLength       fairseq --max-len-b: only </s> once the hypothesis is max_len long
  FamaCTCPrefixScorer  joint CTC prefix score from FAMA's final CTC head, which
                       reads LN(encoder + embedding of the target language tag)
"""
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
from torch import Tensor

from espnet2.legacy.nets.ctc_prefix_score import CTCPrefixScoreTH
from espnet2.legacy.nets.scorer_interface import BatchScorerInterface
from espnet2.legacy.nets.scorers.ctc import CTCPrefixScorer

from fama_espnet.decoding.rules import must_end, ngram_ban


class NgramBlockScorer(BatchScorerInterface):
    """Bans every token that would complete an n-gram the prefix already contains."""

    def __init__(self, n: int, vocab_size: int):
        if n < 1:
            raise ValueError(f"no_repeat_ngram_size must be >= 1, got {n}")
        self.n, self.vocab_size = n, vocab_size

    def banned(self, seq: Sequence[int]) -> List[int]:
        row = ngram_ban(torch.tensor([list(seq)], dtype=torch.long), self.n, self.vocab_size)[0]
        return torch.isinf(row).nonzero().flatten().tolist()

    def score(self, y: Tensor, state: Any, x: Tensor) -> Tuple[Tensor, Any]:
        return self.batch_score(y[None], [state], x[None])[0][0], state

    def batch_score(self, ys: Tensor, states: List[Any], xs: Tensor) -> Tuple[Tensor, List[Any]]:
        return ngram_ban(ys, self.n, self.vocab_size).to(dtype=xs.dtype, device=xs.device), states


class TokenPenaltyScorer(BatchScorerInterface):
    """Subtracts a fixed penalty from the listed tokens at every step."""

    def __init__(self, penalties: Dict[int, float], vocab_size: int):
        self.row = torch.zeros(vocab_size)
        for token, penalty in penalties.items():
            self.row[token] = -penalty

    def score(self, y: Tensor, state: Any, x: Tensor) -> Tuple[Tensor, Any]:
        return self.row.to(device=x.device, dtype=x.dtype), state

    def batch_score(self, ys: Tensor, states: List[Any], xs: Tensor) -> Tuple[Tensor, List[Any]]:
        return self.row.to(device=xs.device, dtype=xs.dtype).expand(ys.size(0), -1), states


class EosAtMaxLength(BatchScorerInterface):
    """Only </s> may follow once a hypothesis holds `max_len` tokens after <sos>."""

    def __init__(self, max_len: int, eos: int, vocab_size: int):
        self.max_len, self.eos, self.vocab_size = max_len, eos, vocab_size

    def score(self, y: Tensor, state: Any, x: Tensor) -> Tuple[Tensor, Any]:
        return self.batch_score(y[None], [state], x[None])[0][0], state

    def batch_score(self, ys: Tensor, states: List[Any], xs: Tensor) -> Tuple[Tensor, List[Any]]:
        scores = torch.zeros(ys.size(0), self.vocab_size, dtype=xs.dtype, device=xs.device)
        if must_end(ys.size(1) - 1, self.max_len):
            scores[:] = float("-inf")
            scores[:, self.eos] = 0.0
        return scores, states


class FamaCTCPrefixScorer(CTCPrefixScorer):
    """ESPnet's vectorised CTC prefix scorer over FAMA's final CTC head.

    The head's input depends on the target language, so `set_tags` gives one tag
    id per utterance before each search. The forced tag is a hypothesis primer,
    which ESPnet's search never hands to CTC (FBK also scores only what follows
    the tag)."""

    def __init__(self, model: torch.nn.Module, eos: int, blank: int):
        super().__init__(ctc=model.ctc, eos=eos)
        self.model, self.blank = model, blank
        self.tags: Optional[Tensor] = None

    def set_tags(self, tags: Tensor) -> None:
        self.tags = tags

    def log_probs(self, x: Tensor) -> Tensor:
        if self.tags is None:
            raise RuntimeError("FamaCTCPrefixScorer needs set_tags() before decoding")
        tags = self.tags.to(x.device)
        if tags.numel() == 1 and x.size(0) != 1:
            tags = tags.expand(x.size(0))
        return self.model.final_ctc_log_probs(x, tags)

    def batch_init_state(self, x: Tensor, xs_lengths: Optional[Tensor] = None):
        if x.dim() == 2:
            x = x.unsqueeze(0)
        logp = self.log_probs(x)
        if xs_lengths is None:
            xs_lengths = torch.full((logp.size(0),), logp.size(1), dtype=torch.long, device=logp.device)
        self.impl = CTCPrefixScoreTH(logp, xs_lengths.long(), self.blank, self.eos)
        return None

    def init_state(self, x: Tensor):
        raise NotImplementedError("use FamaBeamSearch (batched); the per-hypothesis path is not supported")
