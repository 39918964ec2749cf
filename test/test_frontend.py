"""FAMA features: Kaldi fbank of the 16-bit-range waveform, per utterance in a padded batch."""
import torch
import torchaudio.compliance.kaldi as kaldi

from fama_espnet.data.tts import speak
from fama_espnet.frontend import KaldiFbank


def test_matches_torchaudio_kaldi_fbank_per_utterance():
    waves = [torch.from_numpy(speak(t, v)) for t, v in (("hello world", "en"), ("buongiorno a tutti", "it"))]
    lengths = torch.tensor([len(w) for w in waves])
    batch = torch.zeros(2, int(lengths.max()))
    for i, w in enumerate(waves):
        batch[i, : len(w)] = w
    feats, flens = KaldiFbank().eval()(batch, lengths)
    for i, w in enumerate(waves):
        ref = kaldi.fbank(w[None] * 32768, num_mel_bins=80, sample_frequency=16000)
        assert flens[i] == ref.size(0)
        torch.testing.assert_close(feats[i, : ref.size(0)], ref)
        assert feats[i, ref.size(0):].abs().sum() == 0
