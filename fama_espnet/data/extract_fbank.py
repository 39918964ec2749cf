"""The fbank dump: a formatted waveform dir -> the same dir with its features computed
once, so training reads them instead of recomputing the front-end every epoch
(ESPnet's `--feats_type fbank`; fama.sh stage 2).

The features are the model front-end's own (`KaldiFbank.fbank`: FBK's 80-dim Kaldi
fbank, no dither), stored as FBK's preprocessing stores them: float32 .npy members of
uncompressed zips, named in wav.scp as `fbank_<k>.zip:OFFSET:SIZE` (read by the
`fairseq_audio` type like an imported manifest). The frame counts equal the waveform
dir's speech_shape (speech_format's framing), so batches and filters are unchanged.
A dir that already holds fbank (an imported manifest) is adopted as it is.
"""
import io
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from fama_espnet import provenance
from fama_espnet.data import speech_format
from fama_espnet.data.format_data import FormatError, FormatResult, adopt
from fama_espnet.data.kaldi_dir import read_table, utterance_tables, write_table
from fama_espnet.files import building_dir
from fama_espnet.parallel import run_jobs

UTTS_PER_ZIP = 500  # one job; a zip's members are read by offset, so the count only sets the job size
LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")  # a zip member's local header (30 bytes)


class FbankError(FormatError):
    """An utterance of the source dir cannot be turned into features."""


@dataclass
class ZipJob:
    zip_path: str  # where the worker writes (inside the build dir)
    final_path: str  # where wav.scp will find it
    entries: List[Tuple[str, str]]  # (utt, waveform entry)


def _member_offsets(path: str) -> Dict[str, Tuple[int, int]]:
    """member name -> (data offset, size), read from each member's local header (its
    extra field may differ from the central directory's)."""
    out = {}
    with zipfile.ZipFile(path) as z, open(path, "rb") as f:
        for info in z.infolist():
            f.seek(info.header_offset)
            fields = LOCAL_HEADER.unpack(f.read(LOCAL_HEADER.size))
            name_len, extra_len = fields[-2], fields[-1]
            out[info.filename] = (info.header_offset + LOCAL_HEADER.size + name_len + extra_len, info.file_size)
    return out


def _write_zip(job: ZipJob) -> List[Tuple[str, str, int]]:
    """Computes and stores one job's features: (utt, wav.scp entry, frames) per utterance."""
    import torch

    from fama_espnet.data.fairseq_audio import EntryError, load_entry
    from fama_espnet.frontend import KaldiFbank

    frontend = KaldiFbank(fs=speech_format.SAMPLE_RATE, n_mels=speech_format.N_MELS)
    frames = {}
    with zipfile.ZipFile(job.zip_path, "w", zipfile.ZIP_STORED) as z:
        for utt, entry in job.entries:
            try:
                wav = load_entry(entry)
            except EntryError as e:
                raise FbankError(f"utterance {utt}: {e}") from None
            if wav.ndim != 1:
                raise FbankError(f"utterance {utt}: {entry} holds {speech_format.describe_array(wav.shape)}, "
                                 "not a waveform")
            with torch.no_grad():
                feats = frontend.fbank(torch.from_numpy(wav)).numpy().astype(np.float32)
            buf = io.BytesIO()
            np.save(buf, feats)
            z.writestr(f"{utt}.npy", buf.getvalue())
            frames[utt] = feats.shape[0]
    offsets = _member_offsets(job.zip_path)
    return [(utt, f"{job.final_path}:{offsets[f'{utt}.npy'][0]}:{offsets[f'{utt}.npy'][1]}", n)
            for utt, n in frames.items()]


def extract_fbank(src: Path, dst: Path, nj: int = 1, progress: bool = True,
                  utts_per_zip: int = UTTS_PER_ZIP) -> Optional[FormatResult]:
    """Writes dst as src with fbank speech (see the module doc); None if dst is current."""
    src, dst = Path(src).resolve(), Path(dst).resolve()
    options = {"src": provenance.dir_identity(src), "features": speech_format.DESCRIPTION[speech_format.FBANK]}
    if provenance.check_data_output(dst, options, "extract_fbank"):
        return None
    try:
        kind = speech_format.kind(src)
    except speech_format.SpeechFormatError as e:
        raise FbankError(str(e)) from None
    if kind == speech_format.FBANK:
        return adopt(src, dst, options)
    entries = read_table(src / "wav.scp")
    expected = speech_format.frame_counts(src)
    utts = sorted(entries)
    with building_dir(dst, provenance.stamp(options)) as tmp:
        jobs = [ZipJob(str(tmp / f"fbank_{k}.zip"), str(dst / f"fbank_{k}.zip"),
                       [(u, entries[u]) for u in utts[i:i + utts_per_zip]])
                for k, i in enumerate(range(0, len(utts), utts_per_zip))]
        scp, shapes = {}, {}
        for rows in run_jobs(_write_zip, jobs, nj, desc="extract_fbank", size=lambda j: len(j.entries),
                             progress=progress):
            for utt, entry, n in rows:
                if n != expected.get(utt):
                    raise FbankError(f"utterance {utt}: {n} fbank frames, but {src / speech_format.SHAPE_FILE} "
                                     f"says {expected.get(utt)}: rerun the format stage for {src}")
                scp[utt], shapes[utt] = entry, n
        write_table(tmp / "wav.scp", scp)
        speech_format.record(tmp, speech_format.FBANK)
        speech_format.write_shapes(tmp, shapes)
        for name in utterance_tables(src) + [n for n in ("spk2utt",) if (src / n).is_file()]:
            if name not in ("wav.scp", speech_format.SHAPE_FILE):
                (tmp / name).write_bytes((src / name).read_bytes())
    summary = f"extract_fbank: {src} -> {dst}: {len(scp)} utterances, {speech_format.DESCRIPTION[speech_format.FBANK]}"
    return FormatResult(len(scp), 0, 0, summary)
