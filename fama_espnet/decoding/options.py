"""FAMA's decoding options: one frozen dataclass, every knob with its default and the
fairseq generate flag it mirrors, read from a decoding yaml (conf/decode_fama*.yaml) and
from the command line (`--beam_size 10`, a recipe's --inference_args).

Light on purpose (no torch, no ESPnet): a rerun asks what a decode was made from
(bin/decode --check) without importing the searches.
"""
import argparse
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import List, Optional, Union

import yaml

BEAM_SEMANTICS = ("fairseq", "espnet")
SEARCHES = ("fast", "espnet")


@dataclass(frozen=True)
class DecodingOptions:
    beam_size: int = 5            # --beam 5
    ctc_weight: float = 0.0       # 0.2 with --task speech_to_text_joint_decoding
    penalty_unk: float = 10000.0  # --unkpen 10000
    no_repeat_ngram_size: int = 5 # --no-repeat-ngram-size 5
    max_len: int = 200            # fairseq's default --max-len-b 200 (tokens incl. the tag)
    normalize_length: bool = True # fairseq ranks by score / length (--lenpen 1)
    nbest: int = 1
    search: str = "fast"          # "fast" (fast.py) or "espnet" (reference.py, ESPnet's BatchBeamSearch)
    # "fairseq": FBK-fairseq's SequenceGenerator (2 x beam candidates per step, </s> among the
    # first `beam` finalised, `beam` running; FAMA's generate). "espnet": ESPnet's BatchBeamSearch.
    beam_semantics: str = "fairseq"
    # Long-form (transcribe, infer, decode_long): the longest piece of a recording handed to
    # the model. FAMA trains on segments of <= 30 s; a model trained on shorter speech needs
    # its own limit (mini_fama's conf/decode.yaml).
    max_piece_s: float = 30.0
    # Several speech regions (sentences) per piece, up to max_piece_s, as FAMA trains on;
    # false: one region per piece, for a model that has seen single sentences (mini_fama).
    merge_regions: bool = True

    def __post_init__(self):
        if self.search not in SEARCHES:
            raise ValueError(f"search must be one of {SEARCHES}, got {self.search!r}")
        if self.beam_semantics not in BEAM_SEMANTICS:
            raise ValueError(f"beam_semantics must be one of {BEAM_SEMANTICS}, got {self.beam_semantics!r}")
        if not self.max_piece_s > 1.0:
            raise ValueError(f"max_piece_s must exceed 1 s (pieces carry 2 x 0.2 s of pause), got {self.max_piece_s}")


def names() -> List[str]:
    return [f.name for f in fields(DecodingOptions)]


def read(path: Optional[Union[str, Path]]) -> dict:
    """Decoding options from a yaml (e.g. conf/decode_fama.yaml); unknown keys are an error."""
    if path is None:
        return {}
    with open(path, encoding="utf-8") as f:
        options = yaml.safe_load(f) or {}
    bad = sorted(set(options) - set(names()))
    if bad:
        raise ValueError(f"{path}: unknown decoding options {bad}; known: {names()}")
    return options


# Options only long-form decoding reads: not part of a segmented decode's identity.
LONG_FORM = ("max_piece_s", "merge_regions")


def resolved(options: dict, long_form: bool = True) -> dict:
    """Every decoding option, defaults filled in: what a decode was made with (without
    the LONG_FORM ones for a decode of segmented data). A bad value is a ValueError."""
    try:
        out = asdict(replace(DecodingOptions(), **options))
    except TypeError as e:  # an unknown option, or a value of the wrong type
        raise ValueError(f"decoding options {options}: {e}") from e
    return out if long_form else {k: v for k, v in out.items() if k not in LONG_FORM}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`--beam_size 10 --ctc_weight 0.2 ...`: every decoding option, over the yaml's;
    unset ones leave the yaml's value. Options the parser has already (a CLI's own
    --nbest) are left to it."""
    group = parser.add_argument_group("decoding options (override --config)")
    added = []
    for f in fields(DecodingOptions):
        if f"--{f.name}" in parser._option_string_actions:
            continue
        kind = (lambda v: str(v).lower() in ("true", "1", "yes")) if f.type in (bool, "bool") else \
            {"int": int, "float": float, "str": str}.get(f.type, f.type)
        group.add_argument(f"--{f.name}", type=kind, default=argparse.SUPPRESS, help=f"default {f.default!r}")
        added.append(f.name)
    parser.set_defaults(decoding_option_names=added)


def overrides(args: argparse.Namespace) -> dict:
    """The decoding options given on the command line (add_arguments)."""
    return {n: getattr(args, n) for n in getattr(args, "decoding_option_names", []) if hasattr(args, n)}


def from_args(args: argparse.Namespace) -> dict:
    """--config's options with the command line's over them, checked (ValueError)."""
    options = {**read(args.config), **overrides(args)}
    resolved(options)
    return options
