#!/usr/bin/env bash
# Sets the calling script's variables from its command line. Source it after the
# variables are given their defaults (and help_message, if any):
#
#   nj=4; use_gpu=false; help_message="Usage: $0 [--nj N] [--use-gpu true|false] <dir>"
#   . utils/parse_options.sh || exit 1
#
# --name value and --name=value set $name (dashes read as underscores); only
# variables that already exist can be set, so a misspelt option is an error, and
# a variable holding true/false only takes true/false. --config FILE sources FILE
# (name=value lines) before the other options, which therefore override it.
# --help/-h prints $help_message and exits 0. Parsing stops at the first argument
# that is not an option (or after --); the rest is left in "$@".
# Variables of this file start with _po_ so they cannot shadow the caller's.

_po_args=("$@")
_po_i=0
while [ "$_po_i" -lt "${#_po_args[@]}" ]; do  # the options only, as the loop below sees them
  _po_opt="${_po_args[_po_i]}"
  case "$_po_opt" in
    --config=*) _po_config="${_po_opt#--config=}"; _po_i=$((_po_i + 1)) ;;
    --config) _po_config="${_po_args[_po_i + 1]:-}"; _po_i=$((_po_i + 2)) ;;
    --*=*) _po_i=$((_po_i + 1)); continue ;;
    --) break ;;
    --?*) _po_i=$((_po_i + 2)); continue ;;
    *) break ;;
  esac
  if [ ! -f "$_po_config" ]; then
    echo "$0: config file '$_po_config' not found" >&2
    exit 1
  fi
  # shellcheck source=/dev/null  # a --config file named on the command line
  . "$_po_config" || exit 1
done

while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help)
      printf '%s\n' "${help_message:-$0: no help available}"
      exit 0 ;;
    --) shift; break ;;
    --*=*) _po_opt="${1%%=*}"; _po_value="${1#*=}"; shift ;;
    --?*)
      if [ $# -lt 2 ]; then
        echo "$0: option $1 needs a value" >&2
        exit 1
      fi
      _po_opt="$1"; _po_value="$2"; shift 2 ;;
    *) break ;;
  esac
  _po_name="${_po_opt#--}"
  _po_name="${_po_name//-/_}"
  [ "$_po_name" = config ] && continue  # already sourced above
  if [[ ! "$_po_name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || [ -z "${!_po_name+set}" ]; then
    echo "$0: unknown option $_po_opt" >&2
    exit 1
  fi
  case "${!_po_name}" in
    true | false)
      if [ "$_po_value" != true ] && [ "$_po_value" != false ]; then
        echo "$0: option $_po_opt takes true or false, not '$_po_value'" >&2
        exit 1
      fi ;;
  esac
  printf -v "$_po_name" '%s' "$_po_value"
done
unset _po_args _po_i _po_opt _po_config _po_name _po_value
true
