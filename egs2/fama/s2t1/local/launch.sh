# shellcheck shell=bash
# How run.sh launches fama.sh, sourced by it after its options are parsed: the checks of
# those options, --dry_run, the multi-node rendezvous and the per-run training configs.
# shellcheck disable=SC2154  # the options are run.sh's

die() { echo "$0: $*" >&2; exit 1; }
run() {  # run a command, or (--dry_run true) print it as a shell line
  if ! ${dry_run}; then "$@"; return; fi
  local line
  line=$(printf '%q ' "$@")
  echo "${line% }"
}
wanted() { [ "${stage}" -le "$2" ] && [ "${stop_stage}" -ge "$1" ]; }  # LO HI: asked stages within?

case "${model_size}" in small | medium) ;; *) die "--model_size is small or medium, not '${model_size}'" ;; esac
case "${finetune_task}" in asr | st) ;; *) die "--finetune_task is asr or st, not '${finetune_task}'" ;; esac
[[ "${ngpu}" =~ ^[0-9]+$ ]] || die "--ngpu takes a number, not '${ngpu}'"
[[ "${num_nodes}" =~ ^[1-9][0-9]*$ ]] || die "--num_nodes takes a number >= 1, not '${num_nodes}'"
gpus=$((ngpu > 0 ? ngpu * num_nodes : 1))

# One node: fama.sh's --ngpu N > 1 is ESPnet's DDP. Several: one Slurm job through
# local/multinode.sh, and ESPnet's trainer with --dist_launcher slurm.
dist_args() { :; }  # STEP -> extra trainer options of that step's launch
if [ "${num_nodes}" -gt 1 ]; then
  [ "${ngpu}" -gt 0 ] || die "--num_nodes ${num_nodes} needs GPUs (--ngpu)"
  case "${train_cmd}" in
    utils/slurm.sh*) ;;
    *) die "--num_nodes ${num_nodes} needs the Slurm backend (cmd.sh), not train_cmd='${train_cmd}'" ;;
  esac
  train_cmd="local/multinode.sh --nodes ${num_nodes}${train_cmd#utils/slurm.sh}"
  launch=$(date +%s)
  # ESPnet's shared-file rendezvous (what espnet2.bin.launch uses without a master port):
  # a fresh file per launch, on the file system all nodes share.
  dist_args() { echo "--dist_launcher slurm --dist_init_method file://$(pwd)/${expdir}/.dist_init.$1.${launch}"; }
fi

derive() {  # CONFIG OUT [make_train_config options]: the run's config (batch rescaled to its GPUs)
  local config=$1 out=$2
  shift 2
  if ${keep_batch}; then
    run python -m fama_espnet.bin.make_train_config --config "${config}" --out "${out}" --gpus "${gpus}" "$@"
  else
    run python -m fama_espnet.bin.make_train_config --config "${config}" --out "${out}" "$@"
  fi
}

# The run's exp dir: given, the scored model's own dir, or named after the model trained.
if [ -z "${expdir}" ]; then
  if [ -n "${decode_model}" ] && [ -d "${decode_model}" ]; then
    expdir=${decode_model}
  elif [ -z "${finetune_from}" ]; then
    expdir=exp/fama_${model_size}
  else
    expdir=exp/finetune_$(basename "${finetune_from}")_${finetune_task}
  fi
fi

if [ -n "${finetune_from}" ] && [ -z "${decode_model}" ]; then  # what a fine-tune starts from
  [ -n "${train_set}" ] && [ -n "${valid_set}" ] ||
    die "fine-tuning needs --train_set and --valid_set (dirs under data/)"
  # import_fairseq writes bpe.model into the exp dir; a trained exp dir has its vocabulary
  # elsewhere (its recipe's data/token_list/bpe.model): give that with --bpemodel.
  bpemodel=${bpemodel:-${finetune_from}/bpe.model}
  for f in "${finetune_from}/config.yaml" "${finetune_from}/model.pth" "${bpemodel}"; do
    [ -f "${f}" ] || die "${f} not found: --finetune_from takes an exp dir with config.yaml and model.pth" \
      "(python -m fama_espnet.bin.import_fairseq ... --outdir DIR writes one, with bpe.model), --bpemodel its" \
      "sentencepiece model when the dir has no bpe.model"
  done
  if [ "${stage}" -lt 2 ]; then
    echo "$0: fine-tuning starts at stage 2 (your data/${train_set}); stage 1 is FAMA's corpora" >&2
    stage=2
  fi
fi
