"""The Hub round trip (fama_espnet/hub.py, bin/upload_hf.py): the exact folder and card an
upload pushes, and loading it back by repo id through huggingface_hub's real cache code
in offline mode (a cache laid out as huggingface_hub writes it: blobs, snapshots, refs)."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from fama_espnet.bin.pack import main as pack
from fama_espnet.bin.upload_hf import main as upload_hf
from fama_espnet.data.kaldi_dir import read_table
from fama_espnet.inference import FamaSpeech2Text

REPO = "fama-test/fama-tiny"
RESULTS = """# Results: fama_tiny

- command: `./run.sh --stage 10`

### s2t_step2/decode_fama_model.pth

| test set | task | language | score | utts |
|---|---|---|---|---|
| test_en | ASR | en | WER 12.5 (raw 14.0) | 6 |

![loss](s2t_step2/images/loss.png)
"""


@pytest.fixture(scope="module")
def packed(corpus, tiny_exp, tmp_path_factory):
    """(zip, RESULTS.md) packed from a recipe-like dir (paths relative to it, as stage 12)."""
    recipe = tmp_path_factory.mktemp("recipe")
    exp = recipe / "exp" / "fama_tiny"
    exp.mkdir(parents=True)
    (recipe / "data" / "token_list").mkdir(parents=True)
    shutil.copy(corpus[2], recipe / "data" / "token_list" / "bpe.model")
    config = yaml.safe_load((tiny_exp / "config.yaml").read_text())
    config["bpemodel"] = "data/token_list/bpe.model"
    (exp / "config.yaml").write_text(yaml.safe_dump(config))
    shutil.copy(tiny_exp / "model.pth", exp / "model.pth")
    (exp / "RESULTS.md").write_text(RESULTS)
    cwd = os.getcwd()
    os.chdir(recipe)
    try:
        pack(["--config", "exp/fama_tiny/config.yaml", "--model_file", "exp/fama_tiny/model.pth",
              "--outpath", "exp/fama_tiny/fama_tiny.zip"])
    finally:
        os.chdir(cwd)
    return exp / "fama_tiny.zip", exp / "RESULTS.md"


@pytest.fixture(scope="module")
def folder(packed, tmp_path_factory):
    out = tmp_path_factory.mktemp("upload") / "repo"
    assert upload_hf(["--zip", str(packed[0]), "--results", str(packed[1]), "--hf_repo", REPO,
                      "--folder_only", str(out)]) == 0
    return out


def test_upload_folder_is_the_unpacked_zip_and_a_card(packed, folder):
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    with zipfile.ZipFile(packed[0]) as z:
        assert files == sorted(z.namelist() + ["README.md"])
        for name in z.namelist():
            assert (folder / name).read_bytes() == z.read(name)
    card = (folder / "README.md").read_text()
    front = yaml.safe_load(card.split("---\n")[1])
    assert front["language"] == ["en", "it"] and front["library_name"] == "espnet"
    assert front["license"] == "cc-by-4.0"
    assert {"espnet", "speech-recognition", "speech-translation"} <= set(front["tags"])
    body = card.split("---\n", 2)[2]
    for section in ("## Training", "## Results", "## Usage", "## Citation", "## License"):
        assert section in body
    config = yaml.safe_load((folder / "exp/fama_tiny/config.yaml").read_text())
    enc = config["encoder_conf"]
    assert f"{enc['num_blocks']} layers, {enc['output_size']} dims" in body
    assert f"{config['max_epoch']} epochs x {config['num_iters_per_epoch']} iterations" in body
    assert "| test_en | ASR | en | WER 12.5 (raw 14.0) | 6 |" in body and "#### s2t_step2/" in body
    assert "loss.png" not in body  # the image is not in the folder: no broken link
    assert "Results: fama_tiny" not in body  # RESULTS.md's title: the card has its own
    assert f'FamaSpeech2Text.from_pretrained("{REPO}")' in body
    assert "arXiv:2505.22759" in body and "watanabe2018espnet" in body


def test_upload_refuses_what_is_not_a_model(packed, tmp_path, capsys):
    assert upload_hf(["--zip", str(packed[1]), "--hf_repo", REPO, "--folder_only", str(tmp_path / "a")]) == 1
    assert upload_hf(["--zip", str(packed[0]), "--hf_repo", "not a repo", "--folder_only", str(tmp_path / "b")]) == 1
    assert "is not a zip" in capsys.readouterr().err
    out = tmp_path / "c"
    assert upload_hf(["--zip", str(packed[0]), "--hf_repo", REPO, "--license", "apache-2.0",
                      "--folder_only", str(out)]) == 0
    assert "license: apache-2.0" in (out / "README.md").read_text()


def hub_cache(folder: Path, cache: Path, repo_id: str) -> str:
    """`folder` as huggingface_hub caches a download of `repo_id`: content-addressed
    blobs, snapshots/<commit>/<path> linking to them, refs/main naming the commit."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    commit = hashlib.sha1(repo_id.encode()).hexdigest()
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest = hashlib.sha256(f.read_bytes()).hexdigest()
        blob = repo / "blobs" / digest
        blob.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(f, blob)
        link = repo / "snapshots" / commit / f.relative_to(folder)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    return commit


OFFLINE_SCRIPT = """
import json, sys
import soundfile as sf
from fama_espnet.inference import FamaSpeech2Text
from fama_espnet.bin.decode import main as decode
repo, wav, data, out, config = sys.argv[1:]
s2t = FamaSpeech2Text.from_pretrained(repo, max_len=8)
result = {"ids": s2t(sf.read(wav, dtype="float32")[0], "en")[0].token_ids,
          "files": [str(f) for f in FamaSpeech2Text.model_files(repo)],
          "decode": decode(["--model", repo, "--data", data, "--task", "asr", "--output", out, "--config", config])}
try:
    FamaSpeech2Text.model_files("fama-test/not-there")
except FileNotFoundError as e:
    result["missing"] = str(e)
from espnet_model_zoo.downloader import ModelDownloader
result["zoo"] = sorted(ModelDownloader().download_and_unpack(repo))
print(json.dumps(result))
"""


def test_from_pretrained_and_decode_load_a_hub_repo_offline(corpus, tiny_exp, folder, tmp_path):
    cache = tmp_path / "hf" / "hub"
    commit = hub_cache(folder, cache, REPO)
    data = tmp_path / "data"  # 2 utterances keep the decode short
    data.mkdir()
    keep = sorted(read_table(corpus[0] / "wav.scp"))[:2]
    for name in ("wav.scp", "text", "utt2lang", "utt2tgtlang", "text_tgt", "utt2spk"):
        rows = read_table(corpus[0] / name)
        (data / name).write_text("".join(f"{u} {rows[u]}\n" for u in keep))
    config = tmp_path / "decode.yaml"
    config.write_text("max_len: 8\n")
    wav = read_table(data / "wav.scp")[keep[0]]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf"), "HF_HUB_CACHE": str(cache),
           "HOME": str(tmp_path / "home")}
    run = subprocess.run([sys.executable, "-c", OFFLINE_SCRIPT, REPO, wav, str(data), str(tmp_path / "dec"),
                          str(config)], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    local = FamaSpeech2Text.from_pretrained(tiny_exp, max_len=8)
    import soundfile as sf

    assert got["ids"] == local(sf.read(wav, dtype="float32")[0], "en")[0].token_ids
    snapshot = cache / f"models--{REPO.replace('/', '--')}" / "snapshots" / commit
    assert got["files"] == [str(snapshot / "exp/fama_tiny/config.yaml"),
                            str(snapshot / "data/token_list/bpe.model"), str(snapshot / "exp/fama_tiny/model.pth")]
    assert got["decode"] == 0
    made = yaml.safe_load((tmp_path / "dec" / ".done").read_text())
    assert all("/blobs/" in m for m in made["model"])  # the cached files themselves, by content
    hyps = read_table(tmp_path / "dec" / "text")
    assert hyps[keep[0]] == local(sf.read(wav, dtype="float32")[0], "en")[0].text
    assert "fama-test/not-there is not a local path" in got["missing"]
    assert got["zoo"] == ["s2t_model_file", "s2t_train_config"]  # ESPnet's own loader reads the repo too


def test_a_local_path_wins_over_a_repo_id(folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fama-test").mkdir()
    shutil.copytree(folder, tmp_path / REPO)  # ./fama-test/fama-tiny exists: it is the local unpacked zip
    files = FamaSpeech2Text.model_files(REPO)
    assert files[-1] == Path(REPO) / "exp/fama_tiny/model.pth"
