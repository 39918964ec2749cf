"""Publish a packed model on the Hugging Face Hub:

  python -m fama_espnet.bin.upload_hf --zip exp/fama_small/fama_small.zip \\
      --results exp/fama_small/RESULTS.md --hf_repo org/name [--license cc-by-4.0] [--folder_only OUTDIR]

Builds the folder to push (the zip unpacked, as ESPnet's upload stage does, and a model
card README.md: the model, its training from the config, RESULTS.md's tables, usage,
citations of FAMA and ESPnet, the license) and pushes it with huggingface_hub's
upload_folder to the model repo (created if missing; log in first: `hf auth login` or
HF_TOKEN). --folder_only OUTDIR writes the folder there and pushes nothing. The license
defaults to cc-by-4.0, the license of FAMA's released models and data.
`FamaSpeech2Text.from_pretrained("org/name")` and every `--model` load it back.
"""
import argparse
import sys
import tempfile
from pathlib import Path
from typing import Optional, Sequence

from fama_espnet import hub
from fama_espnet.cli import fail


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--zip", required=True, type=Path, help="the packed model (bin/pack)")
    p.add_argument("--results", type=Path, help="the experiment's RESULTS.md, copied into the card")
    p.add_argument("--hf_repo", required=True, help="the Hub model repo, org/name")
    p.add_argument("--license", default=hub.LICENSE, help="the card's license (default: %(default)s, FAMA's)")
    p.add_argument("--private", action="store_true", help="create the repo private")
    p.add_argument("--folder_only", type=Path, metavar="OUTDIR", help="write the folder to OUTDIR; push nothing")
    a = p.parse_args(argv)
    if not hub.is_repo_id(a.hf_repo) or "@" in a.hf_repo:
        return fail("upload_hf", f"--hf_repo {a.hf_repo!r} is not a Hub repo id (org/name)")
    try:
        if a.folder_only:
            hub.build_folder(a.zip, a.results, a.hf_repo, a.folder_only, a.license)
            print(f"upload_hf: {a.folder_only} holds what would be pushed to {a.hf_repo}")
            return 0
        with tempfile.TemporaryDirectory() as tmp:
            folder = hub.build_folder(a.zip, a.results, a.hf_repo, Path(tmp) / "repo", a.license)
            print(f"upload_hf: pushed to {a.hf_repo}: {hub.upload(folder, a.hf_repo, a.private)}")
    except (ValueError, FileNotFoundError) as e:
        return fail("upload_hf", e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
