# shellcheck shell=bash  # sourced by the recipe scripts
# How jobs run: utils/slurm.sh submits each job with `sbatch --wait` (the stages add
# --gpu N, which becomes --gres=gpu:N); utils/run.sh runs them on this machine.
# Slurm is the default: set partition, account, ... in conf/slurm.conf (shell lines,
# see utils/slurm.sh) or $FAMA_SBATCH_OPTS. FAMA_BACKEND=local runs everything here.
# Multi-node training: ./run.sh --num_nodes N wraps train_cmd (local/multinode.sh).
case "${FAMA_BACKEND:-slurm}" in
  slurm)
    # FAMA trains for up to 1M updates: ask for the longest time the partition allows; if a
    # job hits it, rerun run.sh (training resumes from its last checkpoint).
    export train_cmd="utils/slurm.sh --time 7-00:00:00 --num_threads 8 --mem 200G"
    export decode_cmd="utils/slurm.sh --time 1-00:00:00 --num_threads 2 --mem 32G" ;;
  local)
    export train_cmd="utils/run.sh"
    export decode_cmd="utils/run.sh" ;;
  *)
    echo "cmd.sh: FAMA_BACKEND='${FAMA_BACKEND}' is neither slurm nor local" >&2
    # shellcheck disable=SC2317  # exit when run instead of sourced
    return 1 2>/dev/null || exit 1 ;;
esac
