"""Speech from text with espeak-ng (the library bundled by the `espeakng-loader` wheel,
so no root install is needed). Used to generate the mini corpus and test audio."""
import ctypes
import threading
from typing import List

import numpy as np

_SYNCHRONOUS = 2  # espeak_AUDIO_OUTPUT: AUDIO_OUTPUT_SYNCHRONOUS
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_PARAM = {"rate": 1, "volume": 2, "pitch": 3, "range": 4}
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class Espeak:
    """One espeak-ng engine per process (the C library keeps global state)."""

    _lock = threading.Lock()
    _instance = None

    def __init__(self):
        import espeakng_loader

        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.sample_rate = self.lib.espeak_Initialize(
            _SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), 0
        )
        if self.sample_rate <= 0:
            raise RuntimeError("espeak-ng failed to initialise (espeakng_loader data path?)")
        self._chunks: List[np.ndarray] = []

        def collect(wav, n, events):
            if n > 0:
                self._chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
            return 0

        self._callback = _CALLBACK(collect)  # keep a reference: C holds the pointer
        self.lib.espeak_SetSynthCallback(self._callback)

    @classmethod
    def get(cls) -> "Espeak":
        with cls._lock:
            if cls._instance is None:
                cls._instance = Espeak()
            return cls._instance

    def synth(self, text: str, voice: str, rate: int = 160, pitch: int = 50) -> np.ndarray:
        """-> int16 samples at `self.sample_rate` (22050 Hz)."""
        with self._lock:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ValueError(f"espeak-ng has no voice {voice!r}")
            self.lib.espeak_SetParameter(_PARAM["rate"], rate, 0)
            self.lib.espeak_SetParameter(_PARAM["pitch"], pitch, 0)
            self._chunks = []
            data = text.encode("utf-8") + b"\0"
            err = self.lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            if err != 0:
                raise RuntimeError(f"espeak-ng could not speak {text!r} (error {err})")
            self.lib.espeak_Synchronize()
            return np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)


def speak(text: str, voice: str = "en", rate: int = 160, pitch: int = 50, fs: int = 16000) -> np.ndarray:
    """Float32 waveform in [-1, 1] at `fs` Hz."""
    import torch
    import torchaudio.functional as AF

    engine = Espeak.get()
    wav = torch.from_numpy(engine.synth(text, voice, rate, pitch).astype(np.float32) / 32768.0)
    if engine.sample_rate != fs:
        wav = AF.resample(wav, engine.sample_rate, fs)
    return wav.numpy()
