"""FamaTask: ESPnet's task machinery (trainer, DDP launcher, iterators, checkpoints)
for FAMA models. Data names:

  speech    wav.scp                    (required)
  text      transcript                 (required in training)
  src_lang  utt2lang: en / it          (required in training)
  text_tgt  translation                (step 2)
  tgt_lang  utt2tgtlang: it / en       (step 2)
"""
import argparse
import logging
from typing import Callable, Collection, Dict, List, Optional, Set, Tuple, Union

import numpy as np
import torch
from typeguard import typechecked

from espnet2.asr.ctc import CTC
from espnet2.tasks import asr as espnet_asr
from espnet2.tasks.abs_task import AbsTask, IteratorOptions
from espnet2.torch_utils.initialize import initialize
from espnet2.train.abs_espnet_model import AbsESPnetModel
from espnet2.train.class_choices import ClassChoices
from espnet2.train.collate_fn import CommonCollateFn
from espnet2.train.dataset import AbsDataset
from espnet2.utils.get_default_kwargs import get_default_kwargs
from espnet2.utils.nested_dict_action import NestedDictAction
from espnet2.utils.types import int_or_none, str2bool, str_or_none

from fama_espnet.model import FamaModel
from fama_espnet.preprocessor import FamaPreprocessor
from fama_espnet.registry import register
from fama_espnet.tokens import read_token_list
from fama_espnet.trainer import FamaTrainer

register()

model_choices = ClassChoices("model", classes=dict(fama=FamaModel), type_check=AbsESPnetModel, default="fama")

# How many missing ids an error message lists before it only counts.
SHOW_IDS = 10


class FamaTask(AbsTask):
    num_optimizers: int = 1
    class_choices_list = [
        espnet_asr.frontend_choices,
        espnet_asr.specaug_choices,
        espnet_asr.normalize_choices,
        model_choices,
        espnet_asr.preencoder_choices,
        espnet_asr.encoder_choices,
        espnet_asr.postencoder_choices,
        espnet_asr.decoder_choices,
    ]
    trainer = FamaTrainer  # ESPnet's trainer, safe to kill at any moment

    @classmethod
    def add_task_arguments(cls, parser: argparse.ArgumentParser) -> None:
        group = parser.add_argument_group("Task related")
        required = parser.get_default("required")
        required += ["token_list"]
        group.add_argument("--token_list", type=str_or_none, default=None, help="A text mapping int-id to token")
        group.add_argument("--init", type=lambda x: str_or_none(x.lower()), default=None,
                           help="Initialisation (default: each module's own, as FBK-fairseq)")
        group.add_argument("--input_size", type=int_or_none, default=None,
                           help="Feature dim when the data gives features (no front-end)")
        group.add_argument("--ctc_conf", action=NestedDictAction, default=get_default_kwargs(CTC),
                           help="Keyword arguments of the final CTC head")
        group = parser.add_argument_group("Preprocess related")
        group.add_argument("--use_preprocessor", type=str2bool, default=True)
        group.add_argument("--bpemodel", type=str_or_none, default=None, help="sentencepiece model")
        for class_choices in cls.class_choices_list:
            class_choices.add_arguments(group)

    @classmethod
    def build_collate_fn(cls, args: argparse.Namespace, train: bool) -> Callable[
        [Collection[Tuple[str, Dict[str, np.ndarray]]]], Tuple[List[str], Dict[str, torch.Tensor]]
    ]:
        return CommonCollateFn(float_pad_value=0.0, int_pad_value=-1)

    @classmethod
    def build_preprocess_fn(cls, args: argparse.Namespace, train: bool) -> Optional[Callable]:
        if not args.use_preprocessor:
            return None
        return FamaPreprocessor(
            train=train,
            token_list=args.token_list,
            bpemodel=args.bpemodel,
            languages=args.model_conf.get("languages"),  # default: the token list's tags
            feature_dim=args.input_size,  # features given by the data (no front-end)
        )

    @classmethod
    def required_data_names(cls, train: bool = True, inference: bool = False) -> Tuple[str, ...]:
        return ("speech",) if inference else ("speech", "text", "src_lang")

    @classmethod
    def optional_data_names(cls, train: bool = True, inference: bool = False) -> Tuple[str, ...]:
        return ("text_tgt", "tgt_lang")

    @classmethod
    def build_dataset(cls, args: argparse.Namespace, iter_options: IteratorOptions,
                      keys_to_load: Optional[Set[Union[int, str]]] = None) -> AbsDataset:
        dataset = super().build_dataset(args, iter_options, keys_to_load)
        step2 = float(args.model_conf.get("p_asr", 1.0)) < 1.0
        check_dataset(dataset, need_translation=step2 and iter_options.train, keys=keys_to_load)
        return dataset

    @classmethod
    @typechecked
    def build_model(cls, args: argparse.Namespace) -> FamaModel:
        token_list = read_token_list(args.token_list)
        args.token_list = token_list  # keep config.yaml portable
        vocab_size = len(token_list)
        if args.input_size is None:
            frontend = espnet_asr.frontend_choices.get_class(args.frontend)(**args.frontend_conf)
            input_size = frontend.output_size()
        else:
            args.frontend, args.frontend_conf, frontend = None, {}, None
            input_size = args.input_size

        def optional(choices: ClassChoices, **kwargs):
            name = getattr(args, choices.name, None)
            if name is None:
                return None
            return choices.get_class(name)(**kwargs, **getattr(args, f"{choices.name}_conf"))

        specaug = optional(espnet_asr.specaug_choices)
        normalize = optional(espnet_asr.normalize_choices)
        preencoder = optional(espnet_asr.preencoder_choices)
        if preencoder is not None:
            input_size = preencoder.output_size()
        encoder = espnet_asr.encoder_choices.get_class(args.encoder)(input_size=input_size, **args.encoder_conf)
        d = encoder.output_size()
        postencoder = optional(espnet_asr.postencoder_choices, input_size=d)
        if postencoder is not None:
            d = postencoder.output_size()
        decoder = espnet_asr.decoder_choices.get_class(args.decoder)(
            vocab_size=vocab_size, encoder_output_size=d, **args.decoder_conf
        )
        ctc = CTC(odim=vocab_size, encoder_output_size=d, **args.ctc_conf)
        model = model_choices.get_class(args.model)(
            vocab_size=vocab_size, frontend=frontend, specaug=specaug, normalize=normalize,
            preencoder=preencoder, encoder=encoder, postencoder=postencoder, decoder=decoder,
            ctc=ctc, token_list=token_list, **args.model_conf,
        )
        if args.init is not None:
            initialize(model, args.init)
        return model


def check_dataset(dataset: AbsDataset, need_translation: bool, keys: Optional[Set[str]] = None) -> None:
    """Fail before training if a data file misses utterances of the key file, or a
    step-2 set has no translations: the message names the file and the utterances."""
    names = dataset.names()
    if need_translation:
        absent = [n for n in ("text_tgt", "tgt_lang") if n not in names]
        if absent:
            raise RuntimeError(
                f"ASR+ST training (p_asr < 1) needs {absent} in the training data "
                f"(translation and target language files); the data has {list(names)}"
            )
    first = names[0]
    # ESPnet loads text files only for `keys` (this rank's batches) when it is given.
    ids = sorted(keys) if keys is not None else list(dataset.loader_dict[first].keys())
    problems = []
    for name in names[1:]:
        loader = dataset.loader_dict[name]
        missing = [u for u in ids if u not in loader]
        if missing:
            path = dataset.debug_info[name][0]
            shown = ", ".join(missing[:SHOW_IDS]) + (" ..." if len(missing) > SHOW_IDS else "")
            problems.append(f"{path} ({name}) has no row for {len(missing)} of {len(ids)} utterances: {shown}")
    if problems:
        raise RuntimeError(
            f"data files disagree with {dataset.debug_info[first][0]}:\n  " + "\n  ".join(problems)
        )
    logging.info(f"data check passed: {len(ids)} utterances, every file complete")


def load_config(config: str, overrides: Optional[Dict[str, dict]] = None, token_list=None) -> argparse.Namespace:
    """Parse a training yaml as `bin.train` would, with `{"encoder_conf": {...}}`-style
    overrides merged into its sections (handy for tiny test/benchmark models)."""
    args = FamaTask.get_parser().parse_args(
        ["--config", str(config), "--token_list", "unused", "--output_dir", "unused"]
    )
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(getattr(args, key, None), dict):
            getattr(args, key).update(value)
        else:
            setattr(args, key, value)
    if token_list is not None:
        args.token_list = token_list
    return args
