"""The corpus on disk: `make_corpus` plans, speaks and writes the Kaldi dirs, and decides
what a rerun into the same directory does (the layout and the rules: see the package doc).
"""
import json
import logging
from pathlib import Path
from typing import Dict, Optional, Union

from fama_espnet.data.kaldi_dir import Utterance, write_kaldi_dir, write_table
from fama_espnet.data.mini_corpus.plan import SPEAKERS, SPLITS, default_heldout_pairs, plan_corpus
from fama_espnet.data.mini_corpus.synthesis import synthesize_files
from fama_espnet.files import write_text

log = logging.getLogger(__name__)

# Bump when the grammar, the lexicon, the voices or the split rules change: the
# version is part of the parameters, so an old corpus is never reused silently.
CORPUS_VERSION = 4


class CorpusMismatchError(RuntimeError):
    """The output directory holds (part of) a corpus made with other parameters."""


def corpus_params(num_pairs: int, seed: int, dev_pairs: Optional[int],
                  test_pairs: Optional[int]) -> Dict[str, int]:
    """What a corpus is made from, as recorded in .params.json and compared on a rerun."""
    return {
        "version": CORPUS_VERSION, "num_pairs": num_pairs, "seed": seed,
        "dev_pairs": default_heldout_pairs(num_pairs) if dev_pairs is None else dev_pairs,
        "test_pairs": default_heldout_pairs(num_pairs) if test_pairs is None else test_pairs,
    }


def _write_json(path: Path, obj: dict) -> None:
    write_text(path, json.dumps(obj, sort_keys=True) + "\n")


def _check_params(outdir: Path, params: dict) -> bool:
    """True when `outdir` already holds this corpus complete; raise when it holds another."""
    for name in (".done", ".params.json"):
        path = outdir / name
        if path.exists():
            old = json.loads(path.read_text())
            if old != params:
                raise CorpusMismatchError(
                    f"{outdir} holds a mini_fama corpus made with {old}, not {params}; "
                    f"remove it or choose another output directory")
    done = (outdir / ".done").exists()
    return done and all((outdir / s / "wav.scp").exists() for s in SPLITS)


def make_corpus(outdir: Union[str, Path], num_pairs: int = 3000, seed: int = 0, nj: int = 1,
                dev_pairs: Optional[int] = None, test_pairs: Optional[int] = None,
                progress: bool = True) -> Dict[str, Path]:
    """Generate, speak and write the corpus; -> {split: Kaldi data dir}. See the package doc.

    With nj > 1 the workers are started with 'spawn', so a script calling this must
    guard its top level with `if __name__ == "__main__":`.
    """
    outdir = Path(outdir).resolve()
    params = corpus_params(num_pairs, seed, dev_pairs, test_pairs)
    dirs = {s: outdir / s for s in SPLITS}
    outdir.mkdir(parents=True, exist_ok=True)
    if _check_params(outdir, params):
        log.info("%s is complete (%s): nothing to do", outdir, params)
        return dirs
    _write_json(outdir / ".params.json", params)

    plan = plan_corpus(num_pairs, seed, params["dev_pairs"], params["test_pairs"])
    jobs = []
    for split, utts in plan.items():
        (outdir / "wav" / split).mkdir(parents=True, exist_ok=True)
        for u in utts:
            path = outdir / "wav" / split / f"{u.id}.wav"
            jobs.append((str(path), u.text, u.speaker.voice, u.speaker.rate, u.speaker.pitch, u.lead_s, u.trail_s))
    frames = synthesize_files(jobs, nj, progress)

    for split, utts in plan.items():
        rows = []
        for u in utts:
            wav = str(outdir / "wav" / split / f"{u.id}.wav")
            rows.append(Utterance(u.id, wav, u.text, u.lang, u.speaker.id, u.text_tgt, u.tgt_lang))
        write_kaldi_dir(dirs[split], rows)
        write_table(dirs[split] / "utt2num_samples", {r.id: str(frames[r.wav]) for r in rows})
        # Scoring reports each category apart (bin/score.py): the test split's unseen voices.
        write_table(dirs[split] / "utt2category",
                    {u.id: "held_out_voice" if u.speaker.held_out else "seen_voice" for u in utts})
    write_table(outdir / "speakers", {
        s.id: f"{s.lang} {s.voice} {s.rate} {s.pitch} {'held_out' if s.held_out else 'seen'}"
        for s in SPEAKERS})
    _write_json(outdir / ".done", params)
    return dirs
