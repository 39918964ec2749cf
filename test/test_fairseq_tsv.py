"""fairseq TSV manifests in every audio form FBK-fairseq reads (audio files, sample
slices of a file, stored-zip .npy fbank and audio bytes) become data dirs whose
entries load as the source arrays; bad rows are reported by line; training runs from
zipped fbank with the front-end skipped."""
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
import yaml

from fama_espnet.bin.import_tsv import main as import_main
from fama_espnet.data.fairseq_audio import (
    DATA_TYPE,
    EntryError,
    FairseqAudioReader,
    load_entry,
    parse_entry,
)
from fama_espnet.data.fairseq_tsv import (
    FAMA_SUBSETS,
    REPORT,
    TsvError,
    find_manifests,
    import_fama_dataroot,
    import_tsv,
    subset_languages,
)
from fama_espnet.data.kaldi_dir import read_table
from fama_espnet.data.problems import ProblemLog
from fama_espnet.data.speech_format import FBANK, WAVEFORM, frames_of_samples, kind_of as feature_kind

from helpers import STEP1, fbank, npy_bytes, tiny_config, train, wav_bytes, write_tsv, zip_entries


@pytest.fixture(scope="module")
def sources(corpus, tmp_path_factory):
    """Every input form over the espeak-spoken corpus: manifests (relative audio paths
    under `root`) and the arrays each utterance must load as."""
    data, _, _ = corpus
    root = tmp_path_factory.mktemp("fairseq")
    wavs = {u: sf.read(p, dtype="float32")[0] for u, p in read_table(data / "wav.scp").items()}
    texts, tgts = read_table(data / "text"), read_table(data / "text_tgt")
    langs, tgt_langs = read_table(data / "utt2lang"), read_table(data / "utt2tgtlang")
    utts = sorted(wavs)

    def asr_row(u, audio, n):
        return [u, audio, n, texts[u], texts[u], f"spk_{langs[u]}", langs[u], langs[u]]

    (root / "flac").mkdir()
    forms, expected = {}, {}
    # whole files: the corpus wavs (absolute) and flac copies (relative to root)
    forms["wav"] = [asr_row(u, str(Path(read_table(data / "wav.scp")[u])), len(wavs[u])) for u in utts]
    for u in utts:
        sf.write(root / "flac" / f"{u}.flac", wavs[u], 16000, subtype="PCM_16")
    forms["flac"] = [asr_row(u, f"flac/{u}.flac", len(wavs[u])) for u in utts]
    # sample slices of one long flac holding every utterance, separated by silence
    gap = np.zeros(1600, dtype=np.float32)
    long, rows, start = [], [], 0
    for u in utts:
        long += [wavs[u], gap]
        rows.append(asr_row(u, f"all.flac:{start}:{len(wavs[u])}", len(wavs[u])))
        start += len(wavs[u]) + len(gap)
    sf.write(root / "all.flac", np.concatenate(long), 16000, subtype="PCM_16")
    forms["slice"] = rows
    # a stored zip of fbank .npy (FBK's preprocessing) and one of wav files
    feats = {u: fbank(wavs[u]) for u in utts}
    entries = zip_entries(root / "fbank80.zip", {f"{u}.npy": npy_bytes(feats[u]) for u in utts})
    forms["zip_npy"] = [asr_row(u, entries[u], len(feats[u])) for u in utts]
    entries = zip_entries(root / "wavs.zip", {f"{u}.wav": wav_bytes(wavs[u]) for u in utts})
    forms["zip_wav"] = [asr_row(u, entries[u], len(wavs[u])) for u in utts]
    # .npy fbank files; and ST rows (transcript in src_text, translation in tgt_text)
    (root / "npy").mkdir()
    for u in utts:
        np.save(root / "npy" / f"{u}.npy", feats[u])
    forms["npy"] = [asr_row(u, f"npy/{u}.npy", len(feats[u])) for u in utts]
    forms["st"] = [[u, f"flac/{u}.flac", len(wavs[u]), tgts[u], texts[u], f"spk_{langs[u]}", langs[u],
                    tgt_langs[u]] for u in utts]
    for form in forms:
        expected[form] = feats if form in ("zip_npy", "npy") else wavs
    tsvs = {form: write_tsv(root / f"{form}.tsv", rows) for form, rows in forms.items()}
    return root, tsvs, expected, dict(texts=texts, tgts=tgts, langs=langs, tgt_langs=tgt_langs)


@pytest.mark.parametrize("form", ["wav", "flac", "slice", "zip_npy", "zip_wav", "npy"])
def test_every_form_converts_and_loads_the_source_arrays(sources, tmp_path, form):
    root, tsvs, expected, meta = sources
    out = tmp_path / form
    result = import_tsv(tsvs[form], out, root=root)
    kind = FBANK if form in ("zip_npy", "npy") else WAVEFORM
    assert (result.kept, result.dropped, result.kind) == (12, 0, kind)
    assert feature_kind(out) == kind
    wav_scp = read_table(out / "wav.scp")
    assert all(Path(parse_entry(e).path).is_absolute() for e in wav_scp.values())
    assert read_table(out / "text") == meta["texts"] and read_table(out / "utt2lang") == meta["langs"]
    assert not (out / "text_tgt").exists()  # ASR rows only
    shapes = read_table(out / "speech_shape")
    reader = FairseqAudioReader(str(out / "wav.scp"))
    assert set(reader) == set(expected[form])
    for utt, source in expected[form].items():
        x = reader[utt]
        assert x.dtype == np.float32 and x.shape == source.shape, utt
        np.testing.assert_array_equal(x, source)  # 16-bit audio and saved arrays: bit exact
        assert shapes[utt] == str(len(source) if kind == FBANK else frames_of_samples(len(source)))


def test_st_rows_take_transcript_from_src_text(sources, tmp_path):
    root, tsvs, _, meta = sources
    import_tsv(tsvs["st"], tmp_path / "st", root=root)
    out = tmp_path / "st"
    assert read_table(out / "text") == meta["texts"]
    assert read_table(out / "text_tgt") == meta["tgts"]
    assert read_table(out / "utt2tgtlang") == meta["tgt_langs"]
    assert read_table(out / "utt2spk")["en00"] == "spk_en"
    assert read_table(out / "spk2utt")["spk_it"].split() == [f"it{i:02d}" for i in range(6)]


def test_ogg_and_channels_first_npy_waveforms_load(tmp_path):
    x = (0.3 * np.sin(np.arange(8000) / 7)).astype(np.float32)
    sf.write(tmp_path / "a.ogg", x, 16000)
    np.testing.assert_array_equal(load_entry(str(tmp_path / "a.ogg")), sf.read(tmp_path / "a.ogg", dtype="float32")[0])
    # FBK's --store-waveform saves (channels, samples) arrays
    entries = zip_entries(tmp_path / "w.zip", {"a.npy": npy_bytes(x[None, :])})
    np.testing.assert_array_equal(load_entry(str(tmp_path / entries["a"])), x)
    # stereo audio is averaged to mono, as fairseq's sox `channels 1`
    sf.write(tmp_path / "s.wav", np.stack([x, 0.5 * x], axis=1), 16000, subtype="FLOAT")
    np.testing.assert_allclose(load_entry(str(tmp_path / "s.wav")), 0.75 * x, rtol=1e-6)


def test_malformed_rows_are_reported_by_line_and_skipped(sources, tmp_path):
    root, tsvs, _, _ = sources
    sf.write(root / "rate8k.wav", np.zeros(8000, dtype=np.float32), 8000, subtype="PCM_16")
    zip_npy = tsvs["zip_npy"].read_text().splitlines()[1:]
    good = [line.split("\t") for line in tsvs["flac"].read_text().splitlines()[1:3]]
    _, off, size = map(lambda v: int(v) if v.isdigit() else v, zip_npy[0].split("\t")[1].split(":"))

    def row(u, audio="flac/en00.flac", text="ciao", src="en", tgt="en", n="100"):
        return [u, audio, n, text, "", "s", src, tgt]

    rows = good + [
        ["short", "flac/en00.flac", "100", "ciao"],                 # line 4: missing columns
        row("badoff", "all.flac:x:100"),                            # 5: non-integer offset
        row("negoff", "all.flac:-5:100"),                           # 6: negative offset
        row("french", src="fr", tgt="fr"),                          # 7: unknown language
        row("gone", "flac/nope.flac"),                              # 8: missing audio file
        row("empty", text="  "),                                    # 9: empty text
        row("dup"), row("dup"),                                     # 10, 11: duplicate id
        row("frames", n="1.5"),                                     # 12: bad n_frames
        row("past", "all.flac:0:999999999"),                        # 13: slice past the end
        row("magic", f"fbank80.zip:{off + 1}:100"),                 # 14: offset not at an entry
        row("rate", "rate8k.wav"),                                  # 15: 8 kHz audio
        row("st_no_src", tgt="it"),                                 # 16: ST row without transcript
        row("npy_among_wavs", zip_npy[0].split("\t")[1]),           # 17: fbank in a waveform dir
        ["differs", "flac/en00.flac", "100", "ciao", "other", "s", "en", "en"],  # 18: src_text differs
        row("short_npy", f"fbank80.zip:{off}:{size - 4}"),          # 19: length cuts the .npy
    ]
    tsv = write_tsv(root / "bad.tsv", rows)
    out = tmp_path / "bad"
    result = import_tsv(tsv, out, root=root)
    assert (result.kept, result.dropped, result.kind) == (3, 15, WAVEFORM)
    assert set(read_table(out / "wav.scp")) == {"en00", "en01", "differs"}
    report = ProblemLog.read(out / REPORT)
    expected = {"bad_row": [4], "bad_audio_field": [5, 6], "unknown_language": [7], "missing_audio": [8],
                "empty_text": [9], "duplicate_id": [10, 11], "bad_n_frames": [12], "bad_slice": [13, 19],
                "unreadable_audio": [14], "wrong_rate": [15], "missing_transcript": [16], "other_kind": [17],
                "src_text_differs": [18]}
    assert {p: sorted(int(k.split(":")[1]) for k in keys) for p, keys in report.items()} == expected
    assert all(k.startswith("bad.tsv:") for keys in report.values() for k in keys)
    assert "8000 Hz" in report["wrong_rate"]["bad.tsv:15"] and "rate8k.wav" in report["wrong_rate"]["bad.tsv:15"]
    assert "'fr'" in report["unknown_language"]["bad.tsv:7"]
    assert "lines 10, 11" in report["duplicate_id"]["bad.tsv:10"]
    assert "needs" in report["bad_slice"]["bad.tsv:19"]
    assert "3 of 18 rows kept" in result.summary and "bad_row 1" in result.summary


def test_rerun_does_nothing_and_nothing_usable_leaves_no_dir(sources, tmp_path):
    root, tsvs, _, _ = sources
    out = tmp_path / "flac"
    import_tsv(tsvs["flac"], out, root=root)
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert import_tsv(tsvs["flac"], out, root=root) is None
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before

    tsv = write_tsv(tmp_path / "none.tsv", [["a", "missing.wav", "10", "x", "", "", "en", "en"]])
    with pytest.raises(TsvError, match="no usable row"):
        import_tsv(tsv, tmp_path / "none", root=tmp_path)
    assert not (tmp_path / "none").exists()
    assert "missing.wav" in (tmp_path / f"none.{REPORT}").read_text()

    tsv = write_tsv(tmp_path / "hdr.tsv", [["a", "x.wav", "x"]], header=["id", "audio", "tgt_text"])
    with pytest.raises(TsvError, match=r"hdr.tsv:1: .*lacks \['n_frames'\]"):
        import_tsv(tsv, tmp_path / "hdr")


def test_loader_errors_name_the_file_and_utterance(tmp_path):
    sf.write(tmp_path / "a.wav", np.zeros(800, dtype=np.float32), 22050)
    (tmp_path / "wav.scp").write_text(f"u1 {tmp_path / 'a.wav'}\nu2 {tmp_path / 'b.zip'}:0:10\n")
    reader = FairseqAudioReader(str(tmp_path / "wav.scp"))
    with pytest.raises(EntryError, match=r"wav.scp: utterance u1: .*a.wav: 22050 Hz, 16000 Hz required"):
        reader["u1"]
    with pytest.raises(EntryError, match=r"utterance u2: no such file: .*b.zip"):
        reader["u2"]


def test_feature_kind_without_marker_reads_the_entries(sources, tmp_path):
    root, tsvs, _, _ = sources
    zipped = [line.split("\t")[1] for line in tsvs["zip_npy"].read_text().splitlines()[1:3]]
    (tmp_path / "wav.scp").write_text(f"a {root / zipped[0]}\nb {root / zipped[1]}\n")
    assert feature_kind(tmp_path) == FBANK
    (tmp_path / "wav.scp").write_text(f"a {root / zipped[0]}\nb {root / 'flac/en00.flac'}\n")
    with pytest.raises(ValueError, match="mixes waveforms"):
        feature_kind(tmp_path)


def test_espnet_dataset_reads_the_registered_type(sources, tmp_path):
    from espnet2.train.dataset import ESPnetDataset

    from fama_espnet.task import FamaTask  # noqa: F401  (registers the data type)

    root, tsvs, expected, _ = sources
    import_tsv(tsvs["zip_wav"], tmp_path / "d", root=root)
    dataset = ESPnetDataset([(str(tmp_path / "d" / "wav.scp"), "speech", DATA_TYPE)])
    assert isinstance(dataset.loader_dict["speech"], FairseqAudioReader)
    _, data = dataset["it03"]
    np.testing.assert_array_equal(data["speech"], expected["zip_wav"]["it03"])


def test_fama_dataroot_and_cli(sources, tmp_path):
    root, tsvs, _, _ = sources
    dataroot = tmp_path / "DATAROOT"
    dataroot.mkdir()
    # a step-1 manifest without language columns: they come from the subset name
    lines = tsvs["flac"].read_text().splitlines()
    cut = [line.split("\t")[:6] for line in lines]
    (dataroot / "train_commonvoice-en.tsv").write_text("\n".join("\t".join(c) for c in cut[:7]) + "\n")
    (dataroot / "config.yaml").write_text(yaml.safe_dump({"audio_root": str(root)}))
    assert list(find_manifests(dataroot)) == ["train_commonvoice-en"]
    with pytest.raises(TsvError, match="no manifest for \\['dev_commonvoice-it'\\]"):
        find_manifests(dataroot, ["dev_commonvoice-it"])
    assert import_main(["--dataroot", str(dataroot), "--outdir", str(tmp_path / "data"),
                        "--config_yaml", str(dataroot / "config.yaml")]) == 0
    out = tmp_path / "data" / "train_commonvoice-en"
    assert set(read_table(out / "utt2lang").values()) == {"en"} and len(read_table(out / "wav.scp")) == 6
    assert import_fama_dataroot(dataroot, tmp_path / "data", audio_root=root) == {"train_commonvoice-en": None}

    assert import_main(["--tsv", str(tsvs["st"]), "--root", str(root), "--outdir", str(tmp_path / "st")]) == 0
    assert (tmp_path / "st" / "text_tgt").exists()
    bad = write_tsv(tmp_path / "x.tsv", [["a", "nope.wav", "1", "t", "", "", "en", "en"]])
    assert import_main(["--tsv", str(bad), "--outdir", str(tmp_path / "x")]) == 1


def test_subset_names_give_languages():
    assert subset_languages("train_commonvoice-en") == ("en", "en")
    assert subset_languages("train_youtubecommons-en_filtered") == ("en", "en")
    assert subset_languages("train_st_covost2-it_en_gold") == ("it", "en")
    assert subset_languages("dev_st_fleurs-en_it") == ("en", "it")
    assert all(set(subset_languages(s)) <= {"en", "it"} for s in FAMA_SUBSETS)
    assert len(FAMA_SUBSETS) == 18 + 19 + 4


def test_one_update_from_zipped_fbank_skips_the_front_end(corpus, sources, tmp_path):
    root, tsvs, _, _ = sources
    data = tmp_path / "fbank"
    import_tsv(tsvs["zip_npy"], data, root=root)
    assert feature_kind(data) == FBANK
    out = tmp_path / "exp"
    train(corpus, tiny_config(tmp_path, "_asr"), out, STEP1, "--max_epoch", "1", "--input_size", "80",
          "--num_iters_per_epoch", "1", data=data, speech_type=DATA_TYPE)
    config = yaml.safe_load((out / "config.yaml").read_text())
    assert config["frontend"] is None and config["input_size"] == 80
    assert config["normalize"] == "utterance_mvn"  # utterance CMVN still applies to the features
    stats = torch.load(out / "checkpoint.pth", map_location="cpu", weights_only=False)["reporter"]["stats"]
    assert stats[1]["train"]["total_count"] == 1 and np.isfinite(stats[1]["train"]["loss"])  # one update
    weights = torch.load(out / "1epoch.pth", map_location="cpu")
    assert not any(k.startswith("frontend.") for k in weights)
    # the subsampler's first conv reads 80 feature channels
    assert any(w.ndim == 3 and w.shape[1] == 80 for w in weights.values())
