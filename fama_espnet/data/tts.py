"""Speech from text with espeak-ng (the library bundled by the `espeakng-loader` wheel,
so no root install is needed). Used to generate the mini corpus and test audio."""
import _ctypes
import ctypes
import threading
from typing import List, Tuple

import numpy as np

from fama_espnet.audio import resample, to_float

_SEED = 0  # espeak-ng's own generator (noise, flutter), seeded from the clock otherwise
_SYNCHRONOUS = 2  # espeak_AUDIO_OUTPUT: AUDIO_OUTPUT_SYNCHRONOUS
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_PARAM = {"rate": 1, "volume": 2, "pitch": 3, "range": 4}
_EVENT_WORD = 1  # espeak_EVENT_TYPE: espeakEVENT_WORD (0 ends the event list)


class _Event(ctypes.Structure):
    """espeak_EVENT (speak_lib.h); `id` is a union of an int, a pointer and char[8]."""
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", ctypes.c_char * 8)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


class Espeak:
    """One espeak-ng engine per process (the C library keeps global state).

    Two things make espeak-ng speak one sentence differently from call to call: a random
    generator seeded from the clock (seeded here before each utterance), and state carried
    from one utterance to the next that re-initialising does not reset (`reset()` unloads
    the library). After a `reset()`, what the engine says depends only on what it is
    asked to say from then on.
    """

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
        self._words: List[Tuple[int, int, int]] = []  # (audio ms, text position 1-based, length)

        def collect(wav, n, events):
            if n > 0:
                self._chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
            i = 0
            while events and events[i].type != 0:
                if events[i].type == _EVENT_WORD:
                    e = events[i]
                    self._words.append((e.audio_position, e.text_position, e.length))
                i += 1
            return 0

        self._callback = _CALLBACK(collect)  # keep a reference: C holds the pointer
        self.lib.espeak_SetSynthCallback(self._callback)

    @classmethod
    def get(cls) -> "Espeak":
        with cls._lock:
            if cls._instance is None:
                cls._instance = Espeak()
            return cls._instance

    @classmethod
    def reset(cls) -> None:
        """Unload the library (if loaded): the next `get()` loads it afresh, in the state
        of a new process (~4 ms, mostly loading the first voice)."""
        with cls._lock:
            if cls._instance is not None:
                engine, cls._instance = cls._instance, None
                engine.lib.espeak_Terminate()
                _ctypes.dlclose(engine.lib._handle)  # the only handle: its statics start over on reload

    def synth(self, text: str, voice: str, rate: int = 160, pitch: int = 50) -> np.ndarray:
        """-> int16 samples at `self.sample_rate` (22050 Hz)."""
        return self.synth_words(text, voice, rate, pitch)[0]

    def synth_words(self, text: str, voice: str, rate: int = 160, pitch: int = 50
                    ) -> Tuple[np.ndarray, List[Tuple[str, float]]]:
        """-> (int16 samples, [(word, start seconds)] from espeak-ng's own word events)."""
        with self._lock:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ValueError(f"espeak-ng has no voice {voice!r}")
            self.lib.espeak_SetParameter(_PARAM["rate"], rate, 0)
            self.lib.espeak_SetParameter(_PARAM["pitch"], pitch, 0)
            self.lib.espeak_ng_SetRandSeed(ctypes.c_long(_SEED))
            self._chunks, self._words = [], []
            data = text.encode("utf-8") + b"\0"
            err = self.lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            if err != 0:
                raise RuntimeError(f"espeak-ng could not speak {text!r} (error {err})")
            self.lib.espeak_Synchronize()
            wav = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
            chars = list(text)  # positions count characters (espeakCHARS_UTF8)
            words = [("".join(chars[p - 1:p - 1 + n]), ms / 1000.0) for ms, p, n in self._words]
            return wav, words


def speak(text: str, voice: str = "en", rate: int = 160, pitch: int = 50, fs: int = 16000) -> np.ndarray:
    """Float32 waveform in [-1, 1] at `fs` Hz."""
    engine = Espeak.get()
    wav = to_float(engine.synth(text, voice, rate, pitch))
    return resample(wav, engine.sample_rate, fs) if engine.sample_rate != fs else wav
