"""The Hugging Face Hub: where a `--model` name that is not a local path comes from,
and what an upload pushes.

What a model name is. A path that exists is always the local file or dir (a zip, an
exp dir, a .pth in one, an unpacked zip). Anything else of the form `org/name` or
`org/name@revision` is a Hub model repo, fetched by huggingface_hub's snapshot_download
into its cache (HF_HOME / HF_HUB_CACHE; HF_HUB_OFFLINE=1 reads the cache only) and then
read like the local dir it is. A repo may hold what ESPnet's upload stage pushes (the
packed zip unpacked: meta.yaml at the root naming the config and model file; what
`bin/upload_hf` pushes too, so espnet_model_zoo's ModelDownloader loads it as well), a
packed zip, or an exp dir (config.yaml + model.pth + bpe.model).

What an upload pushes (`build_folder`): the packed zip unpacked, and a model card
README.md (Hub front matter; the model, how it was trained, RESULTS.md's tables, usage,
citations, license), exactly the folder `upload` hands to upload_folder.

What a packed zip holds (`pack`, of bin/pack and bin/import_fairseq): ESPnet's model-zoo
zip of a config, its model file and the sentencepiece model the config names; meta.yaml
keys are FamaSpeech2Text's argument names (`packed_files` reads them back).
"""
import os
import re
import zipfile
from pathlib import Path
from typing import Dict, Optional, Sequence, Union

import yaml

from fama_espnet.files import replacing
from fama_espnet.tokens import languages_of

# huggingface_hub's rule for a repo id (namespace/name), with an optional @revision.
REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}(@[\w./-]+)?$")
# An exp dir's model files, the most useful first (ESPnet exp dirs hold several averages).
MODEL_FILES = ("model.pth", "valid.total_count.ave.pth", "valid.acc.ave.pth", "valid.loss.ave.pth")
LICENSE = "cc-by-4.0"  # FAMA's released models are CC-BY-4.0; a derived model keeps the attribution


def is_repo_id(name: str) -> bool:
    return bool(REPO_ID.match(str(name))) and ".." not in str(name)


def local_path(model: Union[str, Path]) -> Path:
    """`model` as a local path: itself if it exists, else the cached snapshot of the
    Hub repo it names (downloaded if not cached and the Hub is reachable)."""
    path = Path(model)
    if path.exists() or not is_repo_id(str(model)):
        if not path.exists():
            raise FileNotFoundError(f"no such model: {path} (not a local path, nor a Hub repo id org/name)")
        return path
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    repo_id, _, revision = str(model).partition("@")
    try:
        return Path(snapshot_download(repo_id, revision=revision or None, library_name="espnet"))
    except (LocalEntryNotFoundError, HfHubHTTPError, OSError) as e:
        raise FileNotFoundError(f"no such model: {model} is not a local path, and the Hub repo {repo_id} "
                                f"could not be fetched: {str(e).splitlines()[0]}") from e


def pack(config: Path, model_file: Path, outpath: Path, extra: Sequence[Path] = ()) -> None:
    """Packs a model into the zip (or tar, by outpath's suffix) `outpath`, with the config's
    bpemodel and the `extra` files (README, RESULTS.md). Paths inside are as given: run
    from the recipe dir, they are relative to it."""
    # Here only: a decode's --check reads hub and stays free of ESPnet.
    from espnet2.main_funcs.pack_funcs import pack as espnet_pack

    bpemodel = Path(yaml.safe_load(Path(config).read_text())["bpemodel"])
    with replacing(outpath, keep_suffix=True) as tmp:  # ESPnet's packer picks the format by suffix
        espnet_pack(files={"s2t_model_file": model_file}, yaml_files={"s2t_train_config": config},
                    outpath=tmp, option=[bpemodel, *extra])


def packed_files(root: Path) -> Dict[str, Path]:
    """The files of an unpacked zip (meta.yaml at `root`), as FamaSpeech2Text's argument
    names: the config, the sentencepiece model its `bpemodel` names (resolved inside
    `root`: the zip stores it at the path it had when packed), and the model file last."""
    meta = yaml.safe_load((root / "meta.yaml").read_text(encoding="utf-8"))
    config = root / meta["yaml_files"]["s2t_train_config"]
    model = root / meta["files"]["s2t_model_file"]
    bpemodel = inside(root, yaml.safe_load(config.read_text(encoding="utf-8")).get("bpemodel", ""))
    if bpemodel is None:
        raise FileNotFoundError(f"{root}: the bpemodel of {config} is not in the packed model")
    for f in (config, model):
        if not f.is_file():
            raise FileNotFoundError(f"{root}: meta.yaml names {f.relative_to(root)}, which is missing")
    return {"s2t_train_config": config, "bpemodel": bpemodel, "s2t_model_file": model}


def inside(root: Path, name: str) -> Optional[Path]:
    """`name` (relative, or an absolute path from the machine that packed it) as a file
    under `root`: the longest tail of it that exists there."""
    parts = Path(name).parts[1:] if Path(name).is_absolute() else Path(name).parts
    for i in range(len(parts)):
        if (root.joinpath(*parts[i:])).is_file():
            return root.joinpath(*parts[i:])
    return None


# ---- upload -------------------------------------------------------------------------

CITATION = """```bibtex
@article{papi2025fama,
  title={{FAMA}: The First Large-Scale Open-Science Speech Foundation Model for {E}nglish and {I}talian},
  author={Papi, Sara and Gaido, Marco and Bentivogli, Luisa and Brutti, Alessio and Cettolo, Mauro and
          Gretter, Roberto and Matassoni, Marco and Nabih, Mohamed and Negri, Matteo},
  journal={arXiv preprint arXiv:2505.22759},
  year={2025}
}
@inproceedings{watanabe2018espnet,
  title={{ESPnet}: End-to-End Speech Processing Toolkit},
  author={Watanabe, Shinji and Hori, Takaaki and Karita, Shigeki and Hayashi, Tomoki and Nishitoba, Jiro and
          Unno, Yuya and Enrique Yalta Soplin, Nelson and Heymann, Jahn and Wiesner, Matthew and Chen, Nanxin and
          Renduchintala, Adithya and Ochiai, Tsubasa},
  booktitle={Proc. Interspeech},
  pages={2207--2211},
  year={2018}
}
```"""


def training_summary(config: dict, n_params: int) -> list:
    """How the model was trained, read from its training config."""
    enc, dec = config.get("encoder_conf", {}), config.get("decoder_conf", {})
    mc = config.get("model_conf", {})
    iters, epochs, accum = config.get("num_iters_per_epoch"), config.get("max_epoch"), config.get("accum_grad", 1)
    lines = [
        f"- architecture: {config.get('encoder')} encoder ({enc.get('num_blocks')} layers, "
        f"{enc.get('output_size')} dims, {enc.get('attention_heads')} heads, FFN {enc.get('linear_units')}, "
        f"intermediate CTC after layer {enc.get('interctc_layer_idx')}), {config.get('decoder')} decoder "
        f"({dec.get('num_blocks')} layers), {len(config.get('token_list', []))} sentencepiece tokens; "
        f"{n_params / 1e6:.1f} M parameters",
        f"- languages: {', '.join(mc.get('languages', []))}; tasks: ASR and ST (p_asr {mc.get('p_asr')}; "
        f"target language tag `<lang:xx>` first in the decoder)",
        f"- losses: intermediate CTC x {mc.get('interctc_weight')}, attention x {mc.get('att_weight')} "
        f"(label smoothing {mc.get('lsm_weight')}), final CTC x {mc.get('ctc_weight')}",
        f"- optimisation: {config.get('optim')} {config.get('optim_conf', {})}, scheduler "
        f"{config.get('scheduler')}, batch_bins {config.get('batch_bins')}, accum_grad {accum}",
    ]
    if iters and epochs:
        lines.append(f"- length: {epochs} epochs x {iters} iterations = {epochs * iters // accum} updates")
    if config.get("init_param"):
        lines.append(f"- initialised from: {config['init_param']}")
    return lines


def results_section(results: Optional[Path], folder: Path) -> list:
    """RESULTS.md's body under the card's "Results", its title left out and each heading
    one level down; images it links that the folder does not hold are left out (their
    links would be broken on the Hub)."""
    if not results or not results.is_file():
        return ["No results recorded."]
    # Its links are relative to it; the zip holds files at their paths from the recipe dir.
    here = os.path.relpath(results.resolve().parent)
    bases = ([] if here.startswith("..") else [Path(here)]) + [Path(".")]
    out = []
    for line in results.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            continue
        image = re.match(r"(!\[[^\]]*\]\()([^)]+)\)", line.strip())
        if image:
            found = [b / image.group(2) for b in bases if (folder / b / image.group(2)).is_file()]
            if not found:
                continue
            line = f"{image.group(1)}{found[0].as_posix()})"
        out.append("#" + line if line.startswith("#") else line)
    return out


def model_card(folder: Path, repo_id: str, results: Optional[Path], license: str) -> str:
    files = packed_files(folder)
    config = yaml.safe_load(files["s2t_train_config"].read_text(encoding="utf-8"))
    import torch

    state = torch.load(files["s2t_model_file"], map_location="cpu", weights_only=True)
    n_params = sum(v.numel() for v in state.values())
    languages = config.get("model_conf", {}).get("languages") or languages_of(config.get("token_list", []))
    front = {"language": list(languages), "license": license, "library_name": "espnet",
             "tags": ["espnet", "audio", "speech-recognition", "speech-translation", "fama"],
             "pipeline_tag": "automatic-speech-recognition"}
    name = repo_id.split("/")[-1]
    lines = [
        "---", yaml.safe_dump(front, sort_keys=False).rstrip(), "---", "",
        f"# {name}", "",
        "A FAMA speech foundation model (Papi et al. 2025, arXiv 2505.22759) in ESPnet: a Conformer "
        "encoder and Transformer decoder trained with joint CTC/attention, which transcribes English and "
        "Italian speech (ASR) and translates between them (ST); the target language tag chooses the task. "
        "Built with fama-espnet (FAMA's architecture and decoding in ESPnet) and ESPnet.", "",
        "## Training", "", *training_summary(config, n_params), "",
        "## Results", "", *results_section(results, folder), "",
        "## Usage", "",
        "```python",
        "import soundfile as sf",
        "from fama_espnet.inference import FamaSpeech2Text",
        "",
        f's2t = FamaSpeech2Text.from_pretrained("{repo_id}")',
        'speech, rate = sf.read("speech_en.wav")  # 16 kHz mono',
        'print(s2t(speech, tgt_lang="en")[0].text)  # transcribe',
        'print(s2t(speech, tgt_lang="it")[0].text)  # translate into Italian',
        "```", "",
        "or from the command line:", "",
        "```bash",
        f"python -m fama_espnet.bin.infer --model {repo_id} --tgt_lang en speech_en.wav",
        "```", "",
        "The repository is the packed ESPnet model unpacked (meta.yaml names the files), so "
        "espnet_model_zoo's `ModelDownloader().download_and_unpack(\"%s\")` finds the same files." % repo_id, "",
        "## Citation", "", CITATION, "",
        "## License", "",
        f"{license}. FAMA's released models and their training data are CC-BY-4.0, so a model trained or "
        "fine-tuned from them keeps that license by default (`--license` of `fama_espnet.bin.upload_hf`).", "",
    ]
    return "\n".join(lines)


def build_folder(zip_path: Path, results: Optional[Path], repo_id: str, folder: Path,
                 license: str = LICENSE) -> Path:
    """The exact folder an upload pushes: `zip_path` unpacked and README.md (the card)."""
    if not zipfile.is_zipfile(zip_path):
        raise ValueError(f"{zip_path} is not a zip (bin/pack writes one)")
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise ValueError(f"{folder} is not empty; the upload folder must hold only the model and its card")
    with zipfile.ZipFile(zip_path) as z:
        if "meta.yaml" not in z.namelist():
            raise ValueError(f"{zip_path} has no meta.yaml: not a packed model (bin/pack)")
        z.extractall(folder)  # zipfile drops absolute prefixes and '..'
    (folder / "README.md").write_text(model_card(folder, repo_id, results, license), encoding="utf-8")
    return folder


def upload(folder: Path, repo_id: str, private: bool = False, message: str = "Upload FAMA model") -> str:
    """Push `folder` to the Hub model repo `repo_id` (created if missing); -> the commit URL."""
    from huggingface_hub import HfApi

    api = HfApi(library_name="espnet")
    api.create_repo(repo_id, repo_type="model", exist_ok=True, private=private or None)
    return str(api.upload_folder(repo_id=repo_id, folder_path=str(folder), repo_type="model",
                                 commit_message=message))


def model_files(model: Union[str, Path]) -> Dict[str, Path]:
    """{"zip": a packed .zip}, or FamaSpeech2Text's arguments: an exp dir's config.yaml,
    bpemodel (recipe_bpemodel) and model (the first of MODEL_FILES there, or the given
    .pth), or an unpacked zip's config, bpemodel and model file (meta.yaml). `model` is a local path if one exists,
    else a Hub repo id `org/name[@revision]`, read from its snapshot."""
    path = local_path(model)
    from_hub = not Path(model).exists()
    if path.is_file() and path.suffix == ".pth":
        config = path.parent / "config.yaml"
        if not config.is_file():
            raise FileNotFoundError(f"{path}: no config.yaml beside it")
        return {"s2t_train_config": config, **recipe_bpemodel(config), "s2t_model_file": path}
    if path.is_dir() and (path / "meta.yaml").is_file():
        return packed_files(path)
    if path.is_dir():
        files = [path / m for m in MODEL_FILES if (path / m).exists()]
        zips = sorted(path.glob("*.zip"))
        if not files and len(zips) == 1:
            return {"zip": zips[0]}
        if not (path / "config.yaml").exists() or not files:
            raise FileNotFoundError(f"{path}: needs config.yaml and one of {MODEL_FILES}, a packed model "
                                    "(meta.yaml) or one .zip")
        config = path / "config.yaml"
        if from_hub:  # the config's bpemodel is a path on the machine it was trained on
            bpemodel = {"bpemodel": inside(path, yaml.safe_load(config.read_text()).get("bpemodel", ""))
                        or path / "bpe.model"}
        else:
            bpemodel = recipe_bpemodel(config)
        return {"s2t_train_config": config, **bpemodel, "s2t_model_file": files[0]}
    return {"zip": path}


def recipe_bpemodel(config: Path) -> Dict[str, Path]:
    """{"bpemodel": path} of a local exp dir's config. ESPnet writes it relative to the
    recipe dir the model was trained in: the file under the nearest parent of the config
    that holds it, whatever the working directory (so a decode's identity does not
    depend on it); an absolute path as it is; {} when neither exists (the loader says so)."""
    name = yaml.safe_load(config.read_text(encoding="utf-8")).get("bpemodel")
    if not name:
        return {}
    if Path(name).is_absolute():
        return {"bpemodel": Path(name)} if Path(name).is_file() else {}
    found = next((d / name for d in config.resolve().parents if (d / name).is_file()), None)
    return {"bpemodel": found} if found else {}
