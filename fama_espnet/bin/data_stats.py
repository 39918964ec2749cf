"""Summarise a formatted data dir (hours and utterances per language, durations, token
lengths) into DIR/stats.yaml: `python -m fama_espnet.bin.data_stats --data D [--bpemodel M]`."""
import argparse
import sys
from collections import defaultdict
from pathlib import Path
from typing import Optional, Sequence

import yaml

from fama_espnet.data import speech_format
from fama_espnet.data.kaldi_dir import read_table
from fama_espnet.files import write_text


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", required=True, type=Path)
    p.add_argument("--bpemodel", type=Path)
    a = p.parse_args(argv)
    durations = speech_format.durations(a.data)
    langs = read_table(a.data / "utt2lang")
    per_lang = defaultdict(lambda: {"utterances": 0, "hours": 0.0})
    for u, seconds in durations.items():
        per_lang[langs[u]]["utterances"] += 1
        per_lang[langs[u]]["hours"] += seconds / 3600
    secs = sorted(durations.values())
    stats = {"speech": speech_format.DESCRIPTION[speech_format.kind(a.data)],
             "utterances": len(durations), "hours": round(sum(secs) / 3600, 3),
             "seconds": {"min": round(secs[0], 2), "median": round(secs[len(secs) // 2], 2), "max": round(secs[-1], 2)},
             "languages": {k: {"utterances": v["utterances"], "hours": round(v["hours"], 3)}
                           for k, v in per_lang.items()}}
    if a.bpemodel:
        import sentencepiece as spm
        sp = spm.SentencePieceProcessor(model_file=str(a.bpemodel))
        for name in ("text", "text_tgt"):
            if (a.data / name).exists():
                lens = sorted(len(sp.encode(t)) for t in read_table(a.data / name).values())
                stats[f"{name}_tokens"] = {"median": lens[len(lens) // 2], "max": lens[-1]}
    write_text(a.data / "stats.yaml", yaml.safe_dump(stats, sort_keys=False))
    print(f"{a.data}: {stats}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
