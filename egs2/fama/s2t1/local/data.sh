#!/usr/bin/env bash
# Builds data/ for the FAMA recipe from the corpora that db.sh names:
#   data/<subset>     each training/validation subset of FBK-fairseq fbk_works/FAMA.md, from
#                     its fairseq manifest in ${FAMA_DATA} (fama_espnet.bin.import_tsv; the
#                     audio is read in place)
#   data/train_asr    step 1: the 18 ASR subsets;   data/dev_asr: dev_commonvoice-en, -it
#   data/train_st     step 2: the 19 train_st_* subsets (human CoVoST 2 it->en included);
#   data/dev_st       dev_commonvoice-en, -it (their transcript as "translation", as FBK's
#                     manifests), dev_st_covost2-it_en, dev_st_fleurs-en_it
#   data/test_*       test sets from each corpus's own release (fama_espnet.bin.prepare_test_set)
# Every corpus that the asked-for sets need and db.sh does not give is named in one message
# (exit 1). A rerun skips dirs made with the same options and refuses, naming what differs,
# one made with others; remove a dir to rebuild it.
set -euo pipefail

steps="1 2"       # training and validation data of these FAMA steps ("" or none: none)
test_sets=auto    # auto: every test set whose corpus db.sh gives; or names from ALL_TESTS; "": none
help_message="Usage: $0 [--steps '1 2'] [--test_sets auto|'test_commonvoice_en ...'|'']"

. ./path.sh
. ./db.sh
. utils/parse_options.sh
[ "${steps}" = none ] && steps=""  # a word that survives an unquoted --local_data_opts
# A db.sh that leaves a variable out means the same as an empty one.
for v in FAMA_DATA FAMA_AUDIO_ROOT COMMONVOICE_EN COMMONVOICE_IT LIBRISPEECH MLS_EN MLS_IT VOXPOPULI FLEURS \
  COVOST2 COVOST2_CLIPS_IT; do
  printf -v "$v" '%s' "${!v:-}"
done

# ---- FAMA's subsets (fbk_works/FAMA.md; test/test_fama_recipe.py checks them against
# fama_espnet/data/fairseq_tsv.py)
STEP1_TRAIN="train_commonvoice-en train_commonvoice-it train_covost2-en train_covost2-it train_fleurs-en
  train_fleurs-it train_librilightlarge-en train_librilightmedium-en train_librilightsmall-en
  train_librispeech-en train_mls-en train_mls-it train_voxpopuliasr-en train_voxpopuliasr-it
  train_voxpopuli-en train_voxpopuli-it train_youtubecommons-en_filtered train_youtubecommons-it"
STEP2_TRAIN="train_st_librispeech-en_it train_st_commonvoice-en_it train_st_commonvoice-it_en
  train_st_covost2-en_it train_st_covost2-it_en train_st_covost2-it_en_gold train_st_fleurs-en_it
  train_st_fleurs-it_en train_st_librilightlarge-en_it train_st_librilightmedium-en_it
  train_st_librilightsmall-en_it train_st_mls-en_it train_st_mls-it_en train_st_voxpopuliasr-en_it
  train_st_voxpopuliasr-it_en train_st_voxpopuli-en_it train_st_voxpopuli-it_en
  train_st_youtubecommons-en_it train_st_youtubecommons-it_en"
STEP1_DEV="dev_commonvoice-en dev_commonvoice-it"
STEP2_DEV="dev_commonvoice-en dev_commonvoice-it dev_st_covost2-it_en dev_st_fleurs-en_it"
ALL_TESTS="test_commonvoice_en test_commonvoice_it test_librispeech_clean test_librispeech_other
  test_mls_en test_mls_it test_voxpopuli_en test_voxpopuli_it test_fleurs_en test_fleurs_it
  test_fleurs_en_it test_fleurs_it_en test_covost2_it_en"

covost2_clips_it=${COVOST2_CLIPS_IT:-${COMMONVOICE_IT:+${COMMONVOICE_IT}/clips}}

test_corpus() {  # NAME -> the db.sh variable(s) the test set reads
  case "$1" in
    test_commonvoice_en) echo COMMONVOICE_EN ;;
    test_commonvoice_it) echo COMMONVOICE_IT ;;
    test_librispeech_*) echo LIBRISPEECH ;;
    test_mls_en) echo MLS_EN ;;
    test_mls_it) echo MLS_IT ;;
    test_voxpopuli_*) echo VOXPOPULI ;;
    test_fleurs_*) echo FLEURS ;;
    test_covost2_it_en) echo "COVOST2 COVOST2_CLIPS_IT" ;;
    *)  # shellcheck disable=SC2086,SC2116  # the unquoted echo puts the multi-line list on one line
      echo "$0: unknown test set '$1' (known: $(echo ${ALL_TESTS}))" >&2; return 1 ;;
  esac
}

test_args() {  # NAME -> prepare_test_set options
  case "$1" in
    test_commonvoice_en) echo "--corpus commonvoice --root ${COMMONVOICE_EN} --lang en" ;;
    test_commonvoice_it) echo "--corpus commonvoice --root ${COMMONVOICE_IT} --lang it" ;;
    test_librispeech_clean) echo "--corpus librispeech --root ${LIBRISPEECH} --split test-clean" ;;
    test_librispeech_other) echo "--corpus librispeech --root ${LIBRISPEECH} --split test-other" ;;
    test_mls_en) echo "--corpus mls --root ${MLS_EN} --lang en" ;;
    test_mls_it) echo "--corpus mls --root ${MLS_IT} --lang it" ;;
    test_voxpopuli_en) echo "--corpus voxpopuli --root ${VOXPOPULI} --lang en" ;;
    test_voxpopuli_it) echo "--corpus voxpopuli --root ${VOXPOPULI} --lang it" ;;
    test_fleurs_en) echo "--corpus fleurs --root ${FLEURS} --lang en" ;;
    test_fleurs_it) echo "--corpus fleurs --root ${FLEURS} --lang it" ;;
    test_fleurs_en_it) echo "--corpus fleurs --root ${FLEURS} --lang en --tgt_lang it" ;;
    test_fleurs_it_en) echo "--corpus fleurs --root ${FLEURS} --lang it --tgt_lang en" ;;
    test_covost2_it_en) echo "--corpus covost2 --root ${COVOST2} --clips ${covost2_clips_it} --lang it --tgt_lang en" ;;
  esac
}

corpus_path() {  # VARIABLE -> its path (COVOST2_CLIPS_IT defaults to Common Voice Italian's clips/)
  if [ "$1" = COVOST2_CLIPS_IT ]; then echo "${covost2_clips_it}"; else echo "${!1:-}"; fi
}

# ---- what is asked for, and what of it db.sh does not give: one message for all of it
train_sets="" step1=false step2=false
for s in ${steps}; do
  case "$s" in
    1) train_sets+=" ${STEP1_TRAIN}"; step1=true ;;
    2) train_sets+=" ${STEP2_TRAIN}"; step2=true ;;
    *) echo "$0: --steps takes 1 and/or 2, not '$s'" >&2; exit 1 ;;
  esac
done
manifests="${train_sets}"
${step1} && manifests+=" ${STEP1_DEV}"
${step2} && manifests+=" ${STEP2_DEV}"
manifests=$(echo "${manifests}" | tr ' ' '\n' | awk 'NF && !seen[$0]++' | tr '\n' ' ')

missing=()
if [ -n "${manifests// }" ]; then
  if [ -z "${FAMA_DATA}" ]; then
    missing+=("FAMA_DATA: not set; FBK's fairseq data root with the <subset>.tsv manifests of steps ${steps}")
  elif [ ! -d "${FAMA_DATA}" ]; then
    missing+=("FAMA_DATA=${FAMA_DATA}: no such directory (manifests of steps ${steps})")
  else
    declare -A absent=()  # corpus -> its missing manifests
    for m in ${manifests}; do
      [ -f "${FAMA_DATA}/${m}.tsv" ] && continue
      corpus=${m#train_st_}; corpus=${corpus#train_}; corpus=${corpus#dev_st_}; corpus=${corpus#dev_}
      corpus=${corpus%%-*}
      absent[${corpus}]+=" ${m}.tsv"
    done
    for corpus in $(echo "${!absent[@]}" | tr ' ' '\n' | sort); do
      missing+=("FAMA_DATA=${FAMA_DATA}: no manifest of ${corpus}:${absent[${corpus}]}")
    done
  fi
  if [ -n "${FAMA_AUDIO_ROOT}" ] && [ ! -d "${FAMA_AUDIO_ROOT}" ]; then
    missing+=("FAMA_AUDIO_ROOT=${FAMA_AUDIO_ROOT}: no such directory")
  fi
fi

asked_tests=${test_sets}
[ "${test_sets}" = auto ] && explicit=false || explicit=true
if ! ${explicit}; then test_sets=${ALL_TESTS}; fi
wanted_tests="" skipped_tests=""
declare -A needed_by=()  # db.sh variable -> the asked-for test sets it lacks for
for t in ${test_sets}; do
  vars=$(test_corpus "$t")
  unset_vars="" bad_vars=""
  for v in ${vars}; do
    p=$(corpus_path "$v")
    if [ -z "$p" ]; then unset_vars+=" $v"; elif [ ! -d "$p" ]; then bad_vars+=" $v"; fi
  done
  if [ -z "${unset_vars}${bad_vars}" ]; then
    wanted_tests+=" $t"
    continue
  fi
  # auto: a set whose corpus db.sh does not name is skipped; a path that is not there is an error.
  if ! ${explicit} && [ -n "${unset_vars}" ]; then
    skipped_tests+=" $t (${unset_vars# })"
    continue
  fi
  for v in ${bad_vars} ${unset_vars}; do needed_by[$v]+=" $t"; done
done
for v in $(echo "${!needed_by[@]}" | tr ' ' '\n' | sort); do
  p=$(corpus_path "$v")
  missing+=("${v}${p:+=$p}: $([ -z "$p" ] && echo "not set" || echo "no such directory"); needed by${needed_by[$v]}")
done

if [ ${#missing[@]} -gt 0 ]; then
  {
    # shellcheck disable=SC2116  # the echo puts the list on one line
    echo "$0: db.sh does not give every corpus the asked-for sets need (steps '${steps}', test sets '$(echo ${asked_tests})'):"
    printf '  %s\n' "${missing[@]}"
    echo "Set these in $(pwd)/db.sh, or ask for fewer sets (--steps, --test_sets)."
  } >&2
  exit 1
fi

[ -z "${skipped_tests}" ] || echo "$0: test sets skipped, db.sh gives no corpus for them:${skipped_tests}" >&2

# ---- training and validation subsets: fairseq manifests -> data/<subset>
if [ -n "${manifests// }" ]; then
  audio=()
  if [ -n "${FAMA_AUDIO_ROOT}" ]; then
    audio=(--root "${FAMA_AUDIO_ROOT}")
  elif [ -f "${FAMA_DATA}/config.yaml" ]; then
    audio=(--config_yaml "${FAMA_DATA}/config.yaml")  # its audio_root, if it sets one
  fi
  # shellcheck disable=SC2086
  python -m fama_espnet.bin.import_tsv --dataroot "${FAMA_DATA}" --outdir data --subsets ${manifests} "${audio[@]}"
fi

prefixed() { for s in "$@"; do echo -n " data/$s"; done; }
# shellcheck disable=SC2046,SC2086
if ${step1}; then
  python -m fama_espnet.bin.combine_data --out data/train_asr --translation drop $(prefixed ${STEP1_TRAIN})
  python -m fama_espnet.bin.combine_data --out data/dev_asr --translation drop $(prefixed ${STEP1_DEV})
fi
# shellcheck disable=SC2046,SC2086
if ${step2}; then
  python -m fama_espnet.bin.combine_data --out data/train_st --translation require $(prefixed ${STEP2_TRAIN})
  python -m fama_espnet.bin.combine_data --out data/dev_st --translation fill $(prefixed ${STEP2_DEV})
fi

# ---- test sets from the corpora's releases
for t in ${wanted_tests}; do
  # shellcheck disable=SC2046
  python -m fama_espnet.bin.prepare_test_set $(test_args "$t") --outdir "data/$t"
done
echo "$0: done (steps '${steps}'; test sets:${wanted_tests:- none})"
