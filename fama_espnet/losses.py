"""FAMA's loss terms, with FBK-fairseq's reductions (sums; the model normalises)."""
from typing import List, Tuple

import torch
import torch.nn.functional as F
import torchaudio
from torch import Tensor


def label_smoothed_nll(lprobs: Tensor, target: Tensor, epsilon: float, ignore_id: int = -1) -> Tuple[Tensor, Tensor]:
    """fairseq's label-smoothed cross entropy, summed over non-ignored tokens.

    The true class keeps 1 - epsilon and every other class gets epsilon / (V - 1)
    (torch's `label_smoothing` spreads epsilon over all V classes instead).
    Returns (loss, nll_loss)."""
    keep = target != ignore_id
    lprobs, target = lprobs[keep], target[keep]
    nll = -lprobs.gather(-1, target[:, None]).squeeze(-1)
    smooth = -lprobs.sum(-1)
    eps_i = epsilon / (lprobs.size(-1) - 1)
    loss = (1.0 - epsilon - eps_i) * nll + eps_i * smooth
    return loss.sum(), nll.sum()


def ctc_loss_sum(logits: Tensor, lengths: Tensor, targets: List[Tensor], blank: int) -> Tensor:
    """CTC summed over the batch (fp32, zero_infinity), as FBK's `ctc_multi_loss`."""
    lprobs = F.log_softmax(logits.float(), dim=-1).transpose(0, 1)  # (T, B, V)
    flat = torch.cat(targets) if targets else logits.new_zeros(0, dtype=torch.long)
    target_lengths = torch.tensor([len(t) for t in targets], dtype=torch.long, device=logits.device)
    with torch.backends.cudnn.flags(enabled=False):
        return F.ctc_loss(lprobs, flat, lengths, target_lengths, blank=blank, reduction="sum", zero_infinity=True)


def ctc_greedy(logits: Tensor, lengths: Tensor, blank: int) -> List[List[int]]:
    """Best path per utterance: argmax, merge repeats, drop blanks."""
    best = logits.argmax(-1).cpu()
    out = []
    for seq, n in zip(best, lengths.cpu().tolist()):
        seq = torch.unique_consecutive(seq[:n]).tolist()
        out.append([t for t in seq if t != blank])
    return out


def token_error_rate(hyps: List[List[int]], refs: List[Tensor]) -> float:
    errors = sum(torchaudio.functional.edit_distance(h, r.tolist()) for h, r in zip(hyps, refs))
    return errors / max(1, sum(len(r) for r in refs))
