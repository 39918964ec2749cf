#!/usr/bin/env bash
# Runs a command as N jobs on a Slurm cluster, with the usage of utils/run.sh:
#
#   utils/slurm.sh [--gpu N] [--mem 16G] [--time 24:00:00] [--num_threads N]
#       [--partition P] [--max_jobs_run N] [--config FILE] [--dry_run true]
#       [--other_sbatch_option VALUE] [JOB=1:N] LOGFILE COMMAND...
#
# Job i is one `sbatch --wait` whose script is utils/run.sh, so LOGFILE (with JOB
# replaced by i) looks as with the local back-end; Slurm's own messages about the
# job (time or memory limit hit) go to <log dir>/q/<log name>.out.
# --gpu N is --gres=gpu:N, --num_threads N is --cpus-per-task=N; --mem, --time and
# --partition go to sbatch as they are, and so does any other --name value (as
# --name=value). Defaults come from FILE (conf/slurm.conf if it exists): shell
# lines setting gpu, mem, time, num_threads, partition and sbatch_opts, a string
# of extra sbatch options; $FAMA_SBATCH_OPTS adds more.
# At most --max_jobs_run jobs are in the queue at once (0: all). Exits 0 only if
# every job succeeds; if interrupted, cancels the jobs it submitted.
# --dry_run true prints the sbatch command lines instead of submitting them.
set -u

gpu=0 mem="" time="" num_threads=1 partition="" max_jobs_run=0
sbatch_opts="" config=conf/slurm.conf dry_run=false
declare -A given=()
passed=()
while [ $# -gt 0 ]; do
  case "$1" in
    --*=*) name="${1%%=*}" value="${1#*=}"; shift ;;
    --?*)
      [ $# -ge 2 ] || { echo "$0: option $1 needs a value" >&2; exit 1; }
      name="$1" value="$2"; shift 2 ;;
    *) break ;;
  esac
  name="${name#--}"
  name="${name//-/_}"
  case "$name" in
    gpu | mem | time | num_threads | partition | max_jobs_run | config | dry_run) given[$name]="$value" ;;
    *) passed+=("--${name//_/-}=$value") ;;
  esac
done
config="${given[config]:-$config}"
if [ -n "${given[config]:-}" ] && [ ! -f "$config" ]; then
  echo "$0: config file '$config' not found" >&2
  exit 1
fi
# shellcheck source=/dev/null  # the site's conf/slurm.conf or a --config file
[ -f "$config" ] && { . "$config" || exit 1; }
for name in "${!given[@]}"; do  # the command line overrides the config
  printf -v "$name" '%s' "${given[$name]}"
done

if [[ "${1:-}" =~ ^([A-Za-z_][A-Za-z0-9_]*)=([0-9]+)(:([0-9]+))?$ ]]; then
  jobvar="${BASH_REMATCH[1]}" first="${BASH_REMATCH[2]}" last="${BASH_REMATCH[4]:-${BASH_REMATCH[2]}}"
  shift
else
  jobvar="" first=1 last=1
fi
if [ $# -lt 2 ] || [ "$first" -gt "$last" ]; then
  echo "Usage: $0 [options] [JOB=1:N] LOGFILE COMMAND..." >&2
  exit 1
fi

if [ "$dry_run" != true ] && ! command -v sbatch >/dev/null; then
  echo "$0: sbatch not found: this back-end needs a Slurm client (utils/run.sh runs locally)" >&2
  exit 1
fi
sbatch=(sbatch --wait --parsable --cpus-per-task="$num_threads")
[ "$gpu" != 0 ] && sbatch+=(--gres=gpu:"$gpu")
[ -n "$mem" ] && sbatch+=(--mem="$mem")
[ -n "$time" ] && sbatch+=(--time="$time")
[ -n "$partition" ] && sbatch+=(--partition="$partition")
read -ra extra <<<"$sbatch_opts ${FAMA_SBATCH_OPTS:-}"
sbatch+=("${extra[@]}" "${passed[@]}")
run_sh="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/run.sh"

subst() {  # TEXT: TEXT with the job variable replaced by $index
  if [ -n "$jobvar" ]; then printf '%s' "${1//"$jobvar"/$index}"; else printf '%s' "$1"; fi
}

slurm_out() {  # LOG: where Slurm writes its messages about the job of LOG
  printf '%s/q/%s.out' "$(dirname "$1")" "$(basename "$1" .log)"
}

submit() {  # LOGFILE COMMAND...: submits job $index and waits for it (dry run: prints it)
  local words=() word log line shown
  for word in "$@"; do
    words+=("$(subst "$word")")
  done
  log="${words[0]}"
  line=("${sbatch[@]}" --job-name="$(basename "$log" .log)" --output="$(slurm_out "$log")" "$run_sh" "${words[@]}")
  if [ "$dry_run" = true ]; then
    shown=$(printf '%q ' "${line[@]}")
    echo "${shown% }"
    return 0
  fi
  # --parsable prints the job id at submission, kept to cancel the job if interrupted.
  mkdir -p "$(dirname "$log")/q" && "${line[@]}" >"$statusdir/$index.id"
}

statusdir=$(mktemp -d)
trap 'rm -rf "$statusdir"' EXIT
trap 'cat "$statusdir"/*.id 2>/dev/null | cut -d";" -f1 | xargs -r scancel; kill $(jobs -p) 2>/dev/null; exit 130' INT TERM
for ((index = first; index <= last; index++)); do
  while [ "$max_jobs_run" -gt 0 ] && [ "$(jobs -rp | wc -l)" -ge "$max_jobs_run" ]; do
    wait -n
  done
  if [ "$dry_run" = true ]; then
    submit "$@"
    echo 0 >"$statusdir/$index"
  else
    (submit "$@"; echo $? >"$statusdir/$index") &
  fi
done
wait

failed=()
for ((index = first; index <= last; index++)); do
  if [ "$(cat "$statusdir/$index" 2>/dev/null)" != 0 ]; then
    log=$(subst "$1")
    failed+=("$log (Slurm: $(slurm_out "$log"))")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "$0: ${#failed[@]} / $((last - first + 1)) failed, see:" >&2
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
exit 0
