"""A timed piece of output: the unit `FamaSpeech2Text.transcribe` returns."""
from dataclasses import asdict, dataclass, field
from typing import List, Optional

from fama_espnet.longform.align import Word


@dataclass
class Segment:
    start: float                 # seconds from the start of the recording
    end: float
    text: str
    words: Optional[List[Word]] = field(default=None)  # ASR only: from the CTC alignment

    def to_dict(self) -> dict:
        d = asdict(self)
        if self.words is None:
            del d["words"]
        return d
