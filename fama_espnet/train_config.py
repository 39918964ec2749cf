"""What one recipe run trains with, derived from FAMA's configs: the batch rescaled to the
GPUs at hand, the architecture and vocabulary of a model being fine-tuned.

Batch. FAMA's configs (conf/train_fama_*.yaml) are written for FBK's 16 GPUs. ESPnet's
`batch_bins` is the global micro-batch in 10 ms input frames (speech_shape counts frames
for waveform and fbank dirs alike, data/speech_format.py), split across the GPUs, so
each GPU gets batch_bins / 16 (FAMA-small: 160,000 / 16 = 10000 frames, fairseq's
--max-tokens 10000), and an update sums `accum_grad` micro-batches.
On G GPUs the same per-GPU micro-batch and the same examples per update need

    batch_bins' = batch_bins * G / 16        accum_grad' = accum_grad * 16 / G

(FAMA-small on 1 GPU: 10,000 x 32; FAMA-medium step 1: 5,500 x 80), so G must
divide accum_grad * 16. ESPnet's num_iters_per_epoch counts micro-batches, so it is
multiplied by accum_grad' / accum_grad: an "epoch" (a checkpoint) still spans the same
number of updates.

Fine-tuning. A model's own config.yaml (written by import_fairseq or by training) fixes
what its weights need: front-end, normaliser, encoder, decoder, model and CTC options,
including the token conventions of imported models (`<ctc_blank>`, `</s>`). The
fine-tuning overlay brings the training options (optimiser, batch, SpecAugment,
p_asr, ...) and may change only training-time entries of those sections (dropouts, the
relative-shift variant, loss weights, task sampling); anything else would not fit the
weights and is refused. The token list the recipe trains with must be the model's own,
in its order: `install_token_list` puts it (and the sentencepiece model) in place.
"""
import copy
import filecmp
import shutil
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

from fama_espnet.files import replacing, write_text
from fama_espnet.tokens import LANGUAGES, missing_tags

# Config keys that describe the network, taken from the fine-tuned model's config.
MODEL_KEYS = ("frontend", "frontend_conf", "normalize", "normalize_conf", "preencoder", "preencoder_conf",
              "encoder", "encoder_conf", "postencoder", "postencoder_conf", "decoder", "decoder_conf",
              "model", "model_conf", "ctc_conf", "input_size")
# Entries of those sections an overlay may set: they change training, not the weights' shapes.
TRAINING_ONLY = {
    "encoder_conf": {"dropout_rate", "batch_unsafe_relative_shift", "sync_batchnorm", "attention_impl"},
    "decoder_conf": {"dropout_rate", "positional_dropout_rate", "self_attention_dropout_rate",
                     "src_attention_dropout_rate"},
    "model_conf": {"interctc_weight", "att_weight", "ctc_weight", "lsm_weight", "p_asr", "task_sampling",
                   "task_seed", "report_ctc_error"},
}


class ConfigError(ValueError):
    """A config that cannot be derived for this run; the message says what to change."""


def valid_gpu_counts(accum_grad: int, ref_gpus: int) -> List[int]:
    total = accum_grad * ref_gpus
    return [g for g in range(1, total + 1) if total % g == 0]


def scale_batch(conf: Dict[str, Any], gpus: int, ref_gpus: int) -> Tuple[Dict[str, Any], str]:
    """conf for `gpus` GPUs with the per-GPU micro-batch and the per-update batch of
    `ref_gpus` GPUs, and a line explaining the arithmetic."""
    conf = copy.deepcopy(conf)
    bins, accum = int(conf["batch_bins"]), int(conf.get("accum_grad", 1))
    if gpus < 1 or ref_gpus < 1:
        raise ConfigError(f"GPU counts must be >= 1 (gpus {gpus}, ref_gpus {ref_gpus})")
    if bins % ref_gpus:
        raise ConfigError(f"batch_bins {bins} is not a multiple of the {ref_gpus} GPUs it is written for")
    if (accum * ref_gpus) % gpus:
        raise ConfigError(
            f"{gpus} GPUs cannot keep the update of {ref_gpus} GPUs x accum_grad {accum}: "
            f"accum_grad would be {accum * ref_gpus / gpus:g}; use one of "
            f"{valid_gpu_counts(accum, ref_gpus)} GPUs, or keep_batch false")
    conf["batch_bins"] = bins // ref_gpus * gpus
    conf["accum_grad"] = accum * ref_gpus // gpus
    line = (f"{gpus} GPU(s), config written for {ref_gpus}: batch_bins {bins} -> {conf['batch_bins']} "
            f"({bins // ref_gpus} per GPU), accum_grad {accum} -> {conf['accum_grad']}")
    if conf.get("num_iters_per_epoch"):
        iters = int(conf["num_iters_per_epoch"])
        conf["num_iters_per_epoch"] = iters * conf["accum_grad"] // accum
        line += f", num_iters_per_epoch {iters} -> {conf['num_iters_per_epoch']}"
    return conf, line + f"; per update {bins * accum} frames, as before"


def finetune_config(model_conf: Dict[str, Any], overlay: Dict[str, Any]) -> Dict[str, Any]:
    """A training config: the network of model_conf, the training options of overlay."""
    conf = {k: copy.deepcopy(model_conf[k]) for k in MODEL_KEYS if k in model_conf}
    for key, value in overlay.items():
        if key in MODEL_KEYS and isinstance(conf.get(key), dict) and isinstance(value, dict):
            allowed = TRAINING_ONLY.get(key, set())
            # Outside the training-only entries, an overlay may only restate the model's value.
            wrong = sorted(k for k, v in value.items()
                           if k not in allowed and (k not in conf[key] or conf[key][k] != v))
            if wrong:
                raise ConfigError(f"the overlay sets {key} {wrong}, which the model's weights fix "
                                  f"(it may set {sorted(allowed)})")
            conf[key].update(value)
        elif key in MODEL_KEYS and key in conf and conf[key] != value:
            raise ConfigError(f"the overlay sets {key}: {value!r}, the model has {conf[key]!r}")
        else:
            conf[key] = copy.deepcopy(value)
    return conf


def _load(path: Path) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        conf = yaml.safe_load(f)
    if not isinstance(conf, dict):
        raise ConfigError(f"{path}: not a yaml mapping")
    return conf


def derive_config(config: Path, out: Path, gpus: Optional[int] = None, ref_gpus: int = 16,
                  base_config: Optional[Path] = None) -> str:
    """Writes `out` (atomically): config, merged into base_config's network if given
    (fine-tuning), its batch rescaled from ref_gpus to gpus GPUs if gpus is given.
    Returns the explanation written in out's header."""
    conf = _load(Path(config))
    header = [f"Derived by fama_espnet.bin.make_train_config from {config}"]
    if base_config is not None:
        conf = finetune_config(_load(Path(base_config)), conf)
        header.append(f"network and vocabulary conventions of {base_config}")
    if gpus is not None and gpus != ref_gpus:
        conf, line = scale_batch(conf, gpus, ref_gpus)
        header.append(line)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text(out, "".join(f"# {h}\n" for h in header) + yaml.safe_dump(conf, sort_keys=False, allow_unicode=True))
    return "; ".join(header)


def model_tokens(model_config: Path) -> List[str]:
    """The token list of a model's config.yaml (inline, or a file it names)."""
    tokens = _load(Path(model_config)).get("token_list")
    if isinstance(tokens, str):
        with open(tokens, encoding="utf-8") as f:
            tokens = [line.rstrip("\n") for line in f]
    if not isinstance(tokens, list) or not tokens:
        raise ConfigError(f"{model_config}: no token_list")
    return [str(t) for t in tokens]


def install_token_list(spm_model: Path, outdir: Path, model_config: Optional[Path] = None,
                       languages: Sequence[str] = LANGUAGES) -> str:
    """outdir/{bpe.model, tokens.txt}: the model's own token list when model_config is
    given (fine-tuning keeps its output rows in place), else the ESPnet token list of
    spm_model. An outdir holding another vocabulary is refused, never overwritten."""
    from fama_espnet.tokenizer import token_list

    spm_model, outdir = Path(spm_model), Path(outdir)
    if not spm_model.is_file():
        raise ConfigError(f"{spm_model}: no such sentencepiece model")
    tokens = model_tokens(model_config) if model_config is not None else token_list(str(spm_model))
    missing = missing_tags(tokens, languages)
    if missing:
        raise ConfigError(f"{model_config or spm_model}: the vocabulary lacks {missing}; FAMA models need "
                          "one <lang:xx> tag per language")
    text = "\n".join(tokens) + "\n"
    have_tokens, have_spm = outdir / "tokens.txt", outdir / "bpe.model"
    other = ((have_tokens.exists() and have_tokens.read_text(encoding="utf-8") != text)
             or (have_spm.exists() and not filecmp.cmp(have_spm, spm_model, shallow=False)))
    if other:
        raise ConfigError(f"{outdir} holds another vocabulary than {model_config or spm_model}; "
                          "remove it, or run in a copy of the recipe dir")
    if have_tokens.exists() and have_spm.exists():
        return f"{outdir}: already holds this vocabulary ({len(tokens)} tokens)"
    outdir.mkdir(parents=True, exist_ok=True)
    # bpe.model first: fama.sh's tokenizer stage skips as soon as tokens.txt exists.
    with replacing(have_spm) as tmp:
        shutil.copyfile(spm_model, tmp)
    write_text(have_tokens, text)
    return f"{outdir}: {len(tokens)} tokens from {model_config or spm_model}"
