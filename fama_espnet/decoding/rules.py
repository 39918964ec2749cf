"""FAMA's decoding rules and its final ranking (FBK-fairseq generate's flags), written once:
the fast search, the ESPnet reference search and the results all take them from here.

A hypothesis y = <sos> <lang:xx> y_1 .. y_n </s> is scored per token; its candidate
continuations c get

    -inf        if y + c completes an n-gram already in y (ids incl. <sos> and the tag;
                --no-repeat-ngram-size n)
    -unkpen     if c is <unk> (--unkpen 10000); -inf for <pad> under fairseq's semantics,
                which never chooses it
    -inf        for every c but </s> once y holds max_len tokens after <sos> (the tag
                counted; --max-len-b: at most max_len + 1 incl. tag and </s>)

and finished hypotheses rank by

    s(y) / |y|  (|y| = tokens incl. the tag and </s>; --lenpen 1)  or  s(y)  (normalize_length false).
"""
from dataclasses import dataclass
from typing import Dict, List, Sequence

import torch
from torch import Tensor

from fama_espnet.decoding.options import DecodingOptions
from fama_espnet.tokens import UNK

NEG_INF = float("-inf")
PAD = "<pad>"


@dataclass
class Hypothesis:
    """A finished hypothesis as every search returns it."""

    yseq: Tensor  # <sos> <lang:xx> y_1 .. y_n </s>
    score: float  # summed log-probability (decoder + ctc_weight x CTC prefix + rule terms)

    @property
    def length(self) -> int:
        """Tokens that count in the ranking: the tag and </s> included, <sos> not."""
        return len(self.yseq) - 1


def ngram_ban(yseq: Tensor, n: int, vocab_size: int) -> Tensor:
    """-inf on every token that would complete an n-gram already in each row of yseq [N, L]."""
    return ban_repeated_ngrams_(torch.zeros(yseq.size(0), vocab_size, device=yseq.device), yseq, n)


def ban_repeated_ngrams_(scores: Tensor, yseq: Tensor, n: int) -> Tensor:
    """scores [N, V] with -inf, in place, on every token that would complete an n-gram
    already in its row of yseq [N, L]; the same numbers as adding ngram_ban's row."""
    if yseq.size(1) < n:
        return scores
    windows = yseq.unfold(1, n, 1)  # [N, W, n]
    tail = yseq[:, yseq.size(1) - n + 1:]  # the last n - 1 tokens
    match = (windows[:, :, : n - 1] == tail[:, None, :]).all(-1)
    # min(score, +inf) leaves non-matching windows' tokens as they are: no host sync.
    ban = torch.where(match, NEG_INF, float("inf")).to(scores.dtype)
    return scores.scatter_reduce_(1, windows[:, :, -1], ban, reduce="amin")


def token_penalties(token_list: Sequence[str], options: DecodingOptions) -> Dict[int, float]:
    """{token id: penalty subtracted at every step}: <unk>, and <pad> under fairseq's semantics."""
    penalties = {}
    if UNK in token_list and options.penalty_unk > 0:
        penalties[token_list.index(UNK)] = options.penalty_unk
    if options.beam_semantics == "fairseq" and PAD in token_list:
        penalties[token_list.index(PAD)] = float("inf")
    return penalties


def must_end(n_tokens: int, max_len: int) -> bool:
    """Whether only </s> may follow a hypothesis holding n_tokens after <sos> (the tag counted)."""
    return n_tokens >= max_len


def ranking_score(hyp: Hypothesis, normalize_length: bool) -> float:
    return float(hyp.score) / hyp.length if normalize_length else float(hyp.score)


def rank(hyps: List[Hypothesis], options: DecodingOptions) -> List[Hypothesis]:
    """The n-best of one utterance, best first; equal scores keep the order in which they
    became final (a stable sort, as fairseq's)."""
    return sorted(hyps, key=lambda h: ranking_score(h, options.normalize_length), reverse=True)[: options.nbest]
