# shellcheck shell=bash  # sourced by the recipe scripts
# How jobs run: utils/run.sh runs them on this machine; utils/slurm.sh submits them
# to Slurm (e.g. train_cmd="utils/slurm.sh --time 48:00:00", with --gpu N added by the stages).
export train_cmd="utils/run.sh"
export decode_cmd="utils/run.sh"
