"""FAMA's decoding rules as ESPnet scorers."""
import torch

from fama_espnet.decoding.rules import ngram_ban
from fama_espnet.decoding.scorers import EosAtMaxLength, NgramBlockScorer, TokenPenaltyScorer


def brute_force_banned(seq, n, vocab):
    """Tokens t for which seq + [t] ends with an n-gram seen earlier in seq + [t]."""
    out = []
    for t in range(vocab):
        s = seq + [t]
        grams = [tuple(s[i:i + n]) for i in range(len(s) - n + 1)]
        if grams and grams[-1] in grams[:-1]:
            out.append(t)
    return out


def test_ngram_block_matches_brute_force():
    g = torch.Generator().manual_seed(0)
    scorer = NgramBlockScorer(3, vocab_size=4)
    ys = torch.randint(0, 4, (64, 12), generator=g)
    scores, _ = scorer.batch_score(ys, [None] * 64, torch.zeros(64, 1, 1))
    for row, seq in enumerate(ys.tolist()):
        banned = sorted(torch.nonzero(scores[row] == float("-inf")).flatten().tolist())
        assert banned == brute_force_banned(seq, 3, 4), seq


def test_ngram_ban_matches_brute_force():
    """The fast search's batched ban (the scorer's too) for every n the configs use."""
    g = torch.Generator().manual_seed(0)
    for n in (1, 2, 3, 5):
        ys = torch.randint(0, 4, (50, 12), generator=g)  # a small alphabet repeats n-grams
        want = torch.zeros(50, 6)
        for row, seq in enumerate(ys.tolist()):
            want[row, brute_force_banned(seq, n, 6)] = float("-inf")
        assert torch.equal(ngram_ban(ys, n, 6), want)


def test_fairseq_five_gram_example():
    scorer = NgramBlockScorer(5, vocab_size=10)
    assert scorer.banned([2, 4, 7, 8, 9, 6, 1, 7, 8, 9, 6]) == [1]  # "7 8 9 6 1" again
    assert scorer.banned([2, 4, 7, 8, 9, 6, 7, 8, 9, 6]) == [7]     # "7 8 9 6 7" again
    assert scorer.banned([2, 4, 7, 8, 9, 6]) == []


def test_unk_penalty_and_max_length():
    pen = TokenPenaltyScorer({3: 10000.0}, vocab_size=5)
    s, _ = pen.batch_score(torch.zeros(2, 3, dtype=torch.long), [None, None], torch.zeros(2, 1, 1))
    assert s[:, 3].eq(-10000).all() and s[:, [0, 1, 2, 4]].eq(0).all()
    eos = EosAtMaxLength(max_len=3, eos=4, vocab_size=5)
    short, _ = eos.batch_score(torch.zeros(1, 3, dtype=torch.long), [None], torch.zeros(1, 1, 1))
    full, _ = eos.batch_score(torch.zeros(1, 4, dtype=torch.long), [None], torch.zeros(1, 1, 1))
    assert short.eq(0).all()
    assert full[0, 4] == 0 and torch.isinf(full[0, :4]).all()
