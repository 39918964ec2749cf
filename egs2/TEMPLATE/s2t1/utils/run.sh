#!/usr/bin/env bash
# Runs a command as N parallel jobs on this machine, with Kaldi's run.pl usage:
#
#   utils/run.sh [--max_jobs_run N] [JOB=1:N] LOGFILE COMMAND...
#
# Every JOB in LOGFILE and COMMAND becomes the job's index (the name before '=' may
# be any other word). Each job's stdout and stderr go to its log, between a header
# with the command and start time and a footer with the duration and exit status.
# At most --max_jobs_run jobs (default: the number of cores) run at once. Exits 0
# only if every job succeeds; otherwise names the logs of the failed ones.
# Each job's OMP_NUM_THREADS is --num_threads, by default the caller's OMP_NUM_THREADS
# (else the cores) shared among the jobs that run at once: thread pools on more threads
# than cores spin and stall each other.
# Other resource options of cluster back-ends (--gpu, --mem, --time, ...) are
# accepted and ignored, so one $cmd string works with either back-end.
# COMMAND is run by bash. A single word is a shell command line as it is; of
# several words, those without whitespace are passed verbatim (so '|' or '>' given
# as words act as in the shell) and those with whitespace are quoted, as run.pl does.
set -u

# The machine's cores (nproc alone would answer OMP_NUM_THREADS).
cores=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)
max_jobs_run=$cores num_threads=""
while [ $# -gt 0 ]; do
  case "$1" in
    --max_jobs_run=* | --max-jobs-run=*) max_jobs_run="${1#*=}"; shift ;;
    --max_jobs_run | --max-jobs-run) max_jobs_run="$2"; shift 2 ;;
    --num_threads=* | --num-threads=*) num_threads="${1#*=}"; shift ;;
    --num_threads | --num-threads) num_threads="$2"; shift 2 ;;
    --*=*) shift ;;
    --?*) [ $# -ge 2 ] || { echo "$0: option $1 needs a value" >&2; exit 1; }; shift 2 ;;
    *) break ;;
  esac
done
for n in max_jobs_run num_threads; do
  if [ -n "${!n}" ] && [[ ! "${!n}" =~ ^[1-9][0-9]*$ ]]; then
    echo "$0: --$n must be a positive integer, not '${!n}'" >&2
    exit 1
  fi
done

jobvar="" first=1 last=1
if [[ "${1:-}" =~ ^([A-Za-z_][A-Za-z0-9_]*)=([0-9]+)(:([0-9]+))?$ ]]; then
  jobvar="${BASH_REMATCH[1]}" first="${BASH_REMATCH[2]}" last="${BASH_REMATCH[4]:-${BASH_REMATCH[2]}}"
  shift
  if [ "$first" -gt "$last" ]; then
    echo "$0: empty job range $jobvar=$first:$last" >&2
    exit 1
  fi
fi
if [ $# -lt 2 ]; then
  echo "Usage: $0 [--max_jobs_run N] [JOB=1:N] LOGFILE COMMAND..." >&2
  exit 1
fi
logfile="$1"
shift

if [ $# -eq 1 ]; then
  command="$1"
else
  command=""
  for word in "$@"; do
    if [[ "$word" =~ ^[^[:space:]]+$ ]]; then
      command+="$word "
    elif [[ "$word" == *\"* ]]; then
      command+="'$word' "
    else
      command+="\"$word\" "
    fi
  done
  command="${command% }"
fi

if [ -z "$num_threads" ]; then
  at_once=$((last - first + 1)); [ "$at_once" -gt "$max_jobs_run" ] && at_once=$max_jobs_run
  num_threads=$(( ${OMP_NUM_THREADS:-$cores} / at_once )); [ "$num_threads" -ge 1 ] || num_threads=1
fi
export OMP_NUM_THREADS=$num_threads

own_group=""
command -v setsid >/dev/null && own_group=setsid

run_job() {  # LOG COMMAND: the job's exit status
  local log="$1" cmd="$2" start rc
  mkdir -p "$(dirname "$log")" || return 1
  start=$(date +%s)
  printf '# %s\n# Started at %s\n#\n' "$cmd" "$(date)" >"$log" || return 1
  # Asynchronous jobs ignore SIGINT, so an interrupted run.sh stops them with TERM,
  # sent to the job's own process group so that what the command started stops too.
  $own_group bash -c "$cmd" >>"$log" 2>&1 &
  trap 'kill -TERM -- -$! 2>/dev/null || kill $! 2>/dev/null' TERM
  wait $!
  rc=$?
  # A trap ends the wait at once: wait again for the status of the stopped command.
  [ "$rc" -gt 128 ] && kill -0 $! 2>/dev/null && { wait $!; rc=$?; }
  printf '# Accounting: time=%d threads=%d\n# Ended (code %d) at %s\n' \
    "$(($(date +%s) - start))" "$OMP_NUM_THREADS" "$rc" "$(date)" >>"$log"
  return "$rc"
}

subst() {  # TEXT INDEX: TEXT with the job variable replaced by INDEX
  if [ -n "$jobvar" ]; then printf '%s' "${1//"$jobvar"/$2}"; else printf '%s' "$1"; fi
}

statusdir=$(mktemp -d)
trap 'rm -rf "$statusdir"' EXIT
trap 'kill $(jobs -p) 2>/dev/null; wait; exit 130' INT TERM

for ((i = first; i <= last; i++)); do
  while [ "$(jobs -rp | wc -l)" -ge "$max_jobs_run" ]; do
    wait -n
  done
  log=$(subst "$logfile" "$i")
  cmd=$(subst "$command" "$i")
  (run_job "$log" "$cmd"; echo $? >"$statusdir/$i") &
done
wait

failed=()
for ((i = first; i <= last; i++)); do
  [ "$(cat "$statusdir/$i" 2>/dev/null)" = 0 ] || failed+=("$(subst "$logfile" "$i")")
done
if [ ${#failed[@]} -gt 0 ]; then
  total=$((last - first + 1))
  echo "$0: ${#failed[@]} / $total failed, see:" >&2
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
exit 0
