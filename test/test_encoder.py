"""FAMA encoder: batching never changes results (eval), both relative shifts, config errors."""
import subprocess
import sys

import pytest
import torch

from fama_espnet.encoder import (
    FamaConformerEncoder,
    RelPositionMultiHeadAttention,
    relative_shift_batch_unsafe,
    relative_shift_exact,
    subsampled_lengths,
)


def tiny_encoder(**kw):
    torch.manual_seed(0)
    enc = FamaConformerEncoder(80, output_size=32, attention_heads=4, linear_units=64, num_blocks=3,
                               conv_channels=48, interctc_layer_idx=[2], **kw)
    for m in enc.modules():  # non-trivial BatchNorm statistics, as in a trained model
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.2, 2)
    return enc.eval()


def test_outputs_do_not_depend_on_padding():
    enc = tiny_encoder(batch_unsafe_relative_shift=True)  # eval always uses the exact shift
    lengths = torch.tensor([137, 40, 95])
    x = torch.randn(3, 200, 80)  # 63+ frames of padding even for the longest
    with torch.no_grad():
        (top, inter), olens, _ = enc(x, lengths)
        for i, n in enumerate(lengths.tolist()):
            (t1, i1), o1, _ = enc(x[i : i + 1, :n], lengths[i : i + 1])
            assert o1.item() == olens[i].item()
            m = o1.item()
            torch.testing.assert_close(top[i, :m], t1[0], atol=1e-5, rtol=0)
            torch.testing.assert_close(inter[0][1][i, :m], i1[0][1][0], atol=1e-5, rtol=0)


def naive_exact_shift(pos_score, lengths):
    """The reference's definition: the pad-and-reshape trick on each sequence's L x L block."""
    out = torch.zeros_like(pos_score)
    for b, n in enumerate(lengths.tolist()):
        block = pos_score[b : b + 1, :, :n, :n]
        out[b, :, :n, :n] = relative_shift_batch_unsafe(block)[0]
    return out


def test_exact_shift_is_the_per_sequence_trick():
    scores = torch.randn(3, 2, 9, 9)
    lengths = torch.tensor([9, 4, 1])
    torch.testing.assert_close(relative_shift_exact(scores, lengths), naive_exact_shift(scores, lengths))


def test_batch_unsafe_shift_only_in_training():
    torch.manual_seed(0)
    att = RelPositionMultiHeadAttention(16, 2, dropout=0.0, batch_unsafe_relative_shift=True)
    x, pos = torch.randn(2, 7, 16), torch.randn(1, 7, 16)
    lengths = torch.tensor([7, 4])
    pad = torch.arange(7)[None] >= lengths[:, None]
    single = att.eval()(x[1:, :4], pos[:, :4], lengths[1:], pad[1:, :4])
    unsafe = att.train()(x, pos, lengths, pad)
    exact = att.eval()(x, pos, lengths, pad)
    torch.testing.assert_close(exact[1, :4], single[0])
    assert not torch.allclose(unsafe[1, :4], single[0], atol=1e-3)  # reads across the padding
    torch.testing.assert_close(unsafe[0], exact[0])  # the unpadded row is the same either way


def test_subsampling_lengths_per_conv():
    enc = FamaConformerEncoder(80, output_size=16, attention_heads=2, linear_units=32, num_blocks=1,
                               conv_channels=16, conv_kernel_sizes=[5, 5, 5])
    lengths = torch.tensor([1, 2, 8, 9, 100])
    _, olens, _ = enc.eval()(torch.randn(5, 100, 80), lengths)
    expected = lengths
    for _ in range(3):
        expected = (expected - 1) // 2 + 1
    assert olens.tolist() == expected.tolist() == subsampled_lengths(lengths, 3).tolist()


@pytest.mark.parametrize("kw,msg", [
    (dict(output_size=30, attention_heads=4), "not divisible by attention_heads"),
    (dict(num_blocks=4, interctc_layer_idx=[8]), "outside the encoder's 1..4 blocks"),
    (dict(conv_kernel_sizes=[]), "at least one kernel"),
    (dict(cnn_module_kernel=30), "must be odd"),
])
def test_bad_dims_are_reported(kw, msg):
    base = dict(output_size=32, attention_heads=4, linear_units=64, num_blocks=2, conv_channels=48)
    with pytest.raises(ValueError, match=msg):
        FamaConformerEncoder(80, **{**base, **kw})


BF16_LONG_INPUT = """
import torch
from fama_espnet.encoder import FamaConformerEncoder
torch.set_num_threads(2)  # the stalling kernel is the one oneDNN builds for two threads
torch.manual_seed(0)
enc = FamaConformerEncoder(80, output_size=144, attention_heads=4, linear_units=64, num_blocks=1,
                           conv_channels=48, conv_kernel_sizes=[5, 5, 5], cnn_module_kernel=15).eval()
with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
    out, olens, _ = enc(torch.randn(1, 4000, 80), torch.tensor([4000]))
assert olens.item() == 500 and torch.isfinite(out.float()).all()
"""


def test_bf16_autocast_on_cpu_encodes_a_long_input_in_seconds():
    """bf16 decoding or training on a CPU must not stall: oneDNN's bf16 depthwise kernel for
    this shape (mini_fama's 144 channels, kernel 15, one 500-frame input, 2 threads) took
    minutes to build, so the conv module's depthwise conv runs fp32 there. The stall is
    inside one native call, so the check runs in a child process that a timeout can kill."""
    try:
        subprocess.run([sys.executable, "-c", BF16_LONG_INPUT], check=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("bf16 encoding of one 500-frame input did not finish in 120 s (oneDNN kernel build?)")
