#!/usr/bin/env bash
# Multi-node training job on Slurm, with the usage of utils/slurm.sh:
#
#   local/multinode.sh --nodes N [utils/slurm.sh options] LOGFILE COMMAND...
#
# submits one job of N nodes, one task per node, whose script (utils/run.sh, so the log
# looks as usual) runs `srun --export=ALL COMMAND`: srun starts COMMAND once per node.
# ESPnet's trainer, given --dist_launcher slurm (run.sh --num_nodes adds it), takes the
# node count and rank from Slurm and, with --ngpu > 1, spawns one process per GPU: what
# espnet2.bin.launch does with Kaldi's slurm.pl (`srun` + `--dist_launcher slurm`).
# --gpu N (added by the stages) is per node.
set -u
nodes=""
opts=()
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes=*) nodes="${1#*=}"; shift ;;
    --nodes) nodes="${2:-}"; shift 2 || break ;;
    --*=*) opts+=("$1"); shift ;;
    --?*)
      [ $# -ge 2 ] || { echo "$0: option $1 needs a value" >&2; exit 1; }
      opts+=("$1" "$2"); shift 2 ;;
    *) break ;;
  esac
done
if [[ ! "$nodes" =~ ^[1-9][0-9]*$ ]] || [ $# -lt 2 ] || [[ "$1" == *=*:* ]]; then
  echo "Usage: $0 --nodes N [utils/slurm.sh options] LOGFILE COMMAND... (one job, no JOB=1:N range)" >&2
  exit 1
fi
log=$1
shift
exec "$(dirname "$0")/../utils/slurm.sh" "${opts[@]}" --nodes "$nodes" --ntasks-per-node 1 \
  "$log" srun --export=ALL "$@"
