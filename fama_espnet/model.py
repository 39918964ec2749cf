"""FamaModel: FAMA's joint CTC/attention model with its three losses and ASR/ST multitask.

  L = w_inter * CTC_inter(source transcript)           (encoder layer k, own head)
    + w_att   * label-smoothed CE(decoder, tag position skipped)
    + w_ctc   * CTC_final(decoder target without tag)    (LN(top + E[tag]) -> head)
  normalised by the number of transcript tokens incl. </s> (FBK's sample_size).

Batches carry `text` (transcript ids), `src_lang` (tag id), and for step 2
`text_tgt` (translation ids) and `tgt_lang`. The decoder sees
`<sos/eos> <lang:X> y ...` and predicts `<lang:X> y ... <sos/eos>`: the tag is
the task (ASR when X is the source language).
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from typeguard import typechecked

from espnet2.asr.ctc import CTC
from espnet2.asr.decoder.abs_decoder import AbsDecoder
from espnet2.asr.encoder.abs_encoder import AbsEncoder
from espnet2.asr.frontend.abs_frontend import AbsFrontend
from espnet2.asr.postencoder.abs_postencoder import AbsPostEncoder
from espnet2.asr.preencoder.abs_preencoder import AbsPreEncoder
from espnet2.asr.specaug.abs_specaug import AbsSpecAug
from espnet2.layers.abs_normalize import AbsNormalize
from espnet2.legacy.nets.pytorch_backend.nets_utils import pad_list
from espnet2.torch_utils.device_funcs import force_gatherable
from espnet2.train.abs_espnet_model import AbsESPnetModel

from fama_espnet.losses import ctc_greedy, ctc_loss_sum, label_smoothed_nll, token_error_rate
from fama_espnet.multitask import TaskSampler, current_rank
from fama_espnet.tokens import BLANK, SOS_EOS, lang_tag, languages_of, missing_tags

IGNORE_ID = -1
# encode_sorted closes a chunk once padding would pass this share of its frames.
MAX_CHUNK_PADDING = 0.1


def padding_chunks(lengths: Sequence[int], max_padding: float) -> List[List[int]]:
    """Indices longest first, cut into runs whose padding to their first (longest) stays
    within `max_padding` of their padded frames."""
    chunks: List[List[int]] = []
    for i in sorted(range(len(lengths)), key=lambda j: -lengths[j]):
        if chunks:
            run = chunks[-1] + [i]
            padded = len(run) * lengths[run[0]]
            if padded - sum(lengths[j] for j in run) <= max_padding * padded:
                chunks[-1] = run
                continue
        chunks.append([i])
    return chunks


def unpad(ys: Tensor, lengths: Tensor) -> List[Tensor]:
    return [y[:n] for y, n in zip(ys, lengths.tolist())]


class FamaModel(AbsESPnetModel):
    """Registered as model `fama`; built by ESPnet's `build_model` from `model_conf`."""

    @typechecked
    def __init__(
        self,
        vocab_size: int,
        frontend: Optional[AbsFrontend],
        specaug: Optional[AbsSpecAug],
        normalize: Optional[AbsNormalize],
        preencoder: Optional[AbsPreEncoder],
        encoder: AbsEncoder,
        postencoder: Optional[AbsPostEncoder],
        decoder: AbsDecoder,
        ctc: CTC,
        token_list: Sequence[str],
        joint_network: Optional[nn.Module] = None,
        interctc_weight: float = 1.0,
        att_weight: float = 5.0,
        ctc_weight: float = 2.0,
        lsm_weight: float = 0.1,
        p_asr: float = 1.0,
        task_sampling: str = "batch",
        task_seed: int = 1,
        languages: Optional[Sequence[str]] = None,  # default: every tag of the token list
        sym_blank: str = BLANK,
        sym_sos_eos: str = SOS_EOS,
        report_ctc_error: bool = True,
        extract_feats_in_collect_stats: bool = True,
    ):
        super().__init__()
        if joint_network is not None:
            raise ValueError("FamaModel is a CTC/attention model: drop the transducer options")
        token_list = list(token_list)
        if len(token_list) != vocab_size:
            raise ValueError(f"token_list has {len(token_list)} entries but vocab_size is {vocab_size}")
        if languages is None:
            languages = languages_of(token_list)
        if not languages:
            raise ValueError("token_list has no <lang:xx> tag: FAMA needs one per language "
                             "(build the tokenizer with the tags as user symbols)")
        missing = [s for s in [sym_blank, sym_sos_eos] if s not in token_list] + missing_tags(token_list, languages)
        if missing:
            raise ValueError(
                f"token_list lacks {missing}: FAMA needs the CTC blank, {sym_sos_eos} and one "
                f"<lang:xx> tag per language (build the tokenizer with the tags as user symbols)"
            )
        self.token_list = token_list
        self.vocab_size = vocab_size
        self.blank_id = token_list.index(sym_blank)
        self.sos = self.eos = token_list.index(sym_sos_eos)
        self.lang_ids = {lang: token_list.index(lang_tag(lang)) for lang in languages}

        self.frontend, self.specaug, self.normalize = frontend, specaug, normalize
        self.preencoder, self.encoder, self.postencoder = preencoder, encoder, postencoder
        self.decoder = decoder
        d = encoder.output_size() if postencoder is None else postencoder.output_size()
        # Final CTC head (FBK's auxiliary_decoder): LN(top + E[tag]) -> ESPnet CTC's linear.
        self.ctc = ctc
        self.ctc_lang_norm = nn.LayerNorm(d)
        # Intermediate CTC head (FBK's encoder.ctc_fc): predicts the source transcript.
        self.interctc_weight = interctc_weight
        self.inter_ctc = nn.Linear(d, vocab_size) if interctc_weight > 0 else None
        if interctc_weight > 0 and not getattr(encoder, "interctc_layer_idx", None):
            raise ValueError("interctc_weight > 0 needs encoder_conf.interctc_layer_idx (e.g. [8])")
        self.att_weight, self.ctc_weight, self.lsm_weight = att_weight, ctc_weight, lsm_weight
        self.sampler = TaskSampler(p_asr, task_seed, task_sampling)
        # Saved with every checkpoint, so a resumed run continues the same draws.
        self.register_buffer("num_task_draws", torch.zeros((), dtype=torch.long))
        self.report_ctc_error = report_ctc_error
        self.extract_feats_in_collect_stats = extract_feats_in_collect_stats

    @property
    def multitask(self) -> bool:
        return self.sampler.p_asr < 1.0

    # ---------------------------------------------------------------- encoder side
    def extract_feats(self, speech: Tensor, speech_lengths: Tensor) -> Tuple[Tensor, Tensor]:
        """Waveforms [B, N] go through the front-end; features [B, T, D] (precomputed
        fbank, see data/speech_format.py) are the front-end's output already."""
        speech = speech[:, : speech_lengths.max()]
        if speech.dim() == 3:
            if self.frontend is not None and speech.size(2) != self.frontend.output_size():
                raise ValueError(f"features of dim {speech.size(2)}; this model's front-end makes "
                                 f"{self.frontend.output_size()}")
            return speech, speech_lengths
        if self.frontend is None:
            raise ValueError("this model has no front-end (trained on precomputed fbank, input_size): "
                             "it takes [batch, frames, dim] features, not waveforms")
        return self.frontend(speech, speech_lengths)

    def encode(self, speech: Tensor, speech_lengths: Tensor) -> Tuple[Tensor, Tensor, Optional[Tensor]]:
        """-> (top output, lengths, intermediate-CTC layer output or None)."""
        with torch.autocast(speech.device.type, enabled=False):
            feats, lengths = self.extract_feats(speech, speech_lengths)
            # FBK applies CMVN before SpecAugment (transforms: utterance_cmvn, specaugment).
            if self.normalize is not None:
                feats, lengths = self.normalize(feats, lengths)
            if self.specaug is not None and self.training:
                feats, lengths = self.specaug(feats, lengths)
        if self.preencoder is not None:
            feats, lengths = self.preencoder(feats, lengths)
        out, lengths, _ = self.encoder(feats, lengths)
        inter = None
        if isinstance(out, tuple):
            out, intermediate = out
            inter = intermediate[0][1] if intermediate else None
        if self.postencoder is not None:
            out, lengths = self.postencoder(out, lengths)
        return out, lengths, inter

    def encode_sorted(self, speech: Tensor, speech_lengths: Tensor,
                      max_padding: float = MAX_CHUNK_PADDING) -> Tuple[Tensor, Tensor]:
        """encode()'s top output and lengths for a padded batch, computed on length-sorted
        chunks, each padded only to its own longest input, then padded back into one
        batch in the input order (zeros past each length).

        The encoder's cost is per padded frame, and its outputs ignore padding (the
        subsampler, attention and convolutions mask it), so a batch of mixed lengths
        costs what its real frames cost while the search still runs it as one batch."""
        lengths = speech_lengths.tolist()
        outs, out_lens = [None] * len(lengths), torch.zeros_like(speech_lengths)
        for idx in padding_chunks(lengths, max_padding):
            rows = torch.tensor(idx, device=speech.device)
            longest = lengths[idx[0]]
            enc, enc_lens, _ = self.encode(speech[rows, :longest], speech_lengths[rows])
            for j, row in enumerate(idx):
                outs[row] = enc[j, : int(enc_lens[j])]
            out_lens[rows] = enc_lens
        return torch.nn.utils.rnn.pad_sequence(outs, batch_first=True), out_lens

    def final_ctc_input(self, enc: Tensor, tags: Tensor) -> Tensor:
        """LN(top + raw embedding of the target tag): the input of the final CTC head
        (and of the CTC prefix scorer in joint decoding)."""
        return self.ctc_lang_norm(enc + self.decoder.embed[0](tags)[:, None, :])

    def final_ctc_logits(self, enc: Tensor, tags: Tensor) -> Tensor:
        return self.ctc.ctc_lo(self.final_ctc_input(enc, tags))

    def final_ctc_log_probs(self, enc: Tensor, tags: Tensor) -> Tensor:
        """fp32 log-probs of the final CTC head under one target tag per utterance (joint decoding)."""
        return torch.log_softmax(self.final_ctc_logits(enc, tags).float(), dim=-1)

    # ---------------------------------------------------------------- losses
    def task_loss(
        self, enc: Tensor, enc_lens: Tensor, tags: Tensor, ys: List[Tensor]
    ) -> Dict[str, Tensor]:
        """Decoder CE and final CTC (sums) for targets `ys` (no tag, no </s>) under `tags`."""
        with_tag = [torch.cat([t.view(1), y]) for t, y in zip(tags, ys)]
        sos = tags.new_full((1,), self.sos)
        eos = tags.new_full((1,), self.eos)
        ys_in = pad_list([torch.cat([sos, y]) for y in with_tag], self.eos)
        ys_out = pad_list([torch.cat([y, eos]) for y in with_tag], IGNORE_ID)
        in_lens = torch.tensor([len(y) + 1 for y in with_tag], device=enc.device)
        logits, _ = self.decoder(enc, enc_lens, ys_in, in_lens)
        # Position 0 predicts the forced tag: excluded, as fairseq's --ignore-prefix-size 1.
        logits, target = logits[:, 1:].float(), ys_out[:, 1:]
        lprobs = F.log_softmax(logits, dim=-1)
        att, nll = label_smoothed_nll(lprobs, target, self.lsm_weight, IGNORE_ID)
        keep = target != IGNORE_ID
        correct = (lprobs.argmax(-1)[keep] == target[keep]).sum()
        ctc_logits = self.final_ctc_logits(enc, tags)
        ctc = ctc_loss_sum(ctc_logits, enc_lens, ys, self.blank_id)
        out = {"att": att, "nll": nll, "ctc": ctc, "correct": correct, "ntarget": keep.sum()}
        if self.report_ctc_error and not self.training:
            out["ter_ctc"] = torch.tensor(token_error_rate(ctc_greedy(ctc_logits, enc_lens, self.blank_id), ys))
        return out

    def combine(self, inter: Tensor, task: Dict[str, Tensor], ntok: Tensor) -> Tensor:
        return (self.interctc_weight * inter + self.att_weight * task["att"] + self.ctc_weight * task["ctc"]) / ntok

    def forward(
        self,
        speech: Tensor,
        speech_lengths: Tensor,
        text: Tensor,
        text_lengths: Tensor,
        src_lang: Tensor,
        text_tgt: Optional[Tensor] = None,
        text_tgt_lengths: Optional[Tensor] = None,
        tgt_lang: Optional[Tensor] = None,
        **kwargs,
    ) -> Tuple[Tensor, Dict[str, Optional[Tensor]], Tensor]:
        has_st = text_tgt is not None and tgt_lang is not None
        if self.multitask and not has_st:
            raise ValueError(
                f"p_asr={self.sampler.p_asr} (ASR+ST training) but the batch has no "
                f"translation: give text_tgt and tgt_lang in the data, or set p_asr: 1.0"
            )
        src_lang, transcripts = src_lang.view(-1), unpad(text, text_lengths)
        enc, enc_lens, inter_out = self.encode(speech, speech_lengths)
        ntok = (text_lengths + 1).sum().float()  # transcript tokens incl. </s>
        stats: Dict[str, Optional[Tensor]] = {}

        inter = enc.new_zeros(())
        if self.inter_ctc is not None:
            inter_logits = self.inter_ctc(inter_out)
            inter = ctc_loss_sum(inter_logits, enc_lens, transcripts, self.blank_id)
            stats["loss_ctc_inter"] = inter.detach() / ntok
            if self.report_ctc_error and not self.training:
                hyps = ctc_greedy(inter_logits, enc_lens, self.blank_id)
                stats["ter_ctc_inter"] = torch.tensor(token_error_rate(hyps, transcripts))

        if self.training and has_st and self.sampler.mode == "both":
            # One decoder pass over the batch twice: transcripts under the source tags, then
            # translations under the target tags.
            task = self.task_loss(torch.cat([enc, enc]), torch.cat([enc_lens, enc_lens]),
                                  torch.cat([src_lang, tgt_lang.view(-1)]),
                                  transcripts + unpad(text_tgt, text_tgt_lengths))
            loss = self.combine(inter, task, ntok)
            stats.update(self.task_stats("", task, loss, ntok))
            stats["asr_fraction"] = loss.new_tensor(0.5)
        elif self.training:
            is_asr = self.draw_tasks(len(transcripts)) if has_st else torch.ones(len(transcripts), dtype=torch.bool)
            translations = unpad(text_tgt, text_tgt_lengths) if has_st else transcripts
            tags = torch.where(is_asr.to(enc.device), src_lang, tgt_lang.view(-1) if has_st else src_lang)
            ys = [t if a else s for a, t, s in zip(is_asr.tolist(), transcripts, translations)]
            task = self.task_loss(enc, enc_lens, tags, ys)
            loss = self.combine(inter, task, ntok)
            frac_asr = is_asr.float().mean()
            stats.update(self.task_stats("", task, loss, ntok))
            stats["asr_fraction"] = frac_asr
            if has_st:
                # Per-task losses of this micro-batch; NaN (skipped in ESPnet's averages) if not drawn.
                nan = loss.new_tensor(math.nan)
                stats["loss_asr"] = loss.detach() if bool(is_asr.all()) else nan
                stats["loss_st"] = loss.detach() if not bool(is_asr.any()) else nan
        else:
            # Validation scores every task the data supports and sums them (FBK valid_step).
            loss = enc.new_zeros(())
            tasks = [("asr", src_lang, transcripts)]
            if has_st:
                tasks.append(("st", tgt_lang.view(-1), unpad(text_tgt, text_tgt_lengths)))
            for name, tags, ys in tasks:
                task = self.task_loss(enc, enc_lens, tags, ys)
                task_total = self.combine(inter, task, ntok)
                loss = loss + task_total
                stats.update(self.task_stats(f"_{name}", task, task_total, ntok))
        stats["loss"] = loss.detach()
        # ESPnet's contract: 1-dim tensors, which its DDP / DataParallel averaging gathers
        # and weights across workers (a 0-dim weight fails there).
        return force_gatherable((loss, stats, ntok.detach()), loss.device)

    @staticmethod
    def task_stats(suffix: str, task: Dict[str, Tensor], total: Tensor, ntok: Tensor) -> Dict[str, Tensor]:
        stats = {
            f"loss{suffix}": total.detach(),
            f"loss_att{suffix}": task["att"].detach() / ntok,
            f"loss_ctc{suffix}": task["ctc"].detach() / ntok,
            f"acc{suffix}": task["correct"].float() / task["ntarget"].clamp(min=1),
        }
        if "ter_ctc" in task:
            stats[f"ter_ctc{suffix}"] = task["ter_ctc"]
        return stats

    def draw_tasks(self, batch_size: int) -> Tensor:
        is_asr = self.sampler.draw(int(self.num_task_draws), batch_size, current_rank())
        self.num_task_draws += 1
        return is_asr

    def collect_feats(self, speech: Tensor, speech_lengths: Tensor, **kwargs) -> Dict[str, Tensor]:
        feats, feats_lengths = self.extract_feats(speech, speech_lengths)
        return {"feats": feats, "feats_lengths": feats_lengths}
