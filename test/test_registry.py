"""FAMA's components are choosable by name in a fresh process through our entry point,
and in ESPnet's own ASR task once the package is imported."""
import subprocess
import sys

import torch

from espnet2.tasks.asr import ASRTask

from fama_espnet.task import load_config  # noqa: F401  (registers)


def test_entry_point_lists_fama_choices_in_a_fresh_process():
    out = subprocess.run([sys.executable, "-m", "fama_espnet.bin.train", "--help"],
                         capture_output=True, text=True, check=True).stdout
    for name in ("fama_conformer", "fama_transformer", "kaldi_fbank"):
        assert name in out, name


def test_stock_espnet_asr_task_builds_with_the_fama_encoder():
    args = ASRTask.get_parser().parse_args(["--token_list", "x", "--output_dir", "x"])
    args.token_list = ["<blank>", "<unk>", "a", "b", "<sos/eos>"]
    args.encoder, args.decoder = "fama_conformer", "fama_transformer"
    args.encoder_conf = dict(output_size=16, attention_heads=2, linear_units=32, num_blocks=1, conv_channels=16)
    args.decoder_conf = dict(attention_heads=2, linear_units=32, num_blocks=1)
    args.frontend, args.frontend_conf = "kaldi_fbank", {}
    model = ASRTask.build_model(args)
    loss, stats, _ = model(torch.randn(2, 8000), torch.tensor([8000, 6000]),
                           torch.tensor([[2, 3], [3, -1]]), torch.tensor([2, 1]))
    assert torch.isfinite(loss)
