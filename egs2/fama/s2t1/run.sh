#!/usr/bin/env bash
# FAMA on the real corpora (FBK-fairseq fbk_works/FAMA.md), or fine-tuning a FAMA model on
# your own data, or scoring a FAMA model. README.md has the details; the stages are fama.sh's (1-13).
#
#   ./run.sh --model_size small|medium [--ngpu 8] [--num_nodes 2] [--stage N --stop_stage M]
#   ./run.sh --finetune_from exp/fama_small --finetune_task asr|st --train_set my_train \
#       --valid_set my_dev --test_sets "my_test"
#   ./run.sh --decode_model exp/fama_small   # score a model (imported, trained, zip, Hub id) on the test sets
#   ./run.sh ... -- [fama.sh options, e.g. --decode_batch_seconds 400]
#
# Step 1 (ASR) trains on data/train_asr, step 2 (ASR + ST) on data/train_st, each with its
# own validation set (fama.sh's --step{1,2}_{train,valid}_set); an ASR fine-tune is step 1
# alone, an ST fine-tune step 2 alone (fama.sh --steps).
set -euo pipefail
cd "$(dirname "$0")"
all_args="$*"

model_size=small        # small | medium: conf/train_fama_${model_size}{_asr,}.yaml
stage=1                 # first fama.sh stage to run
stop_stage=13           # last fama.sh stage to run (13: Hub upload, with --skip_upload_hf false)
skip_data_prep=false    # ESPnet's skip options: stages 1-5
skip_train=false        # 6-9 (true with --decode_model)
skip_eval=false         # 10-11
skip_packing=false      # 12
skip_upload_hf=true     # 13: push the packed model and a model card to --hf_repo
hf_repo=""              # e.g. my-org/fama-small-it-ft
decode_model=""         # evaluate this model instead of training one: an imported FAMA dir, an exp dir,
                        # a packed .zip or a Hub repo id; its decodes and RESULTS.md go under its dir
inference_args=""       # decoding options over --decode_config, e.g. "--beam_size 10 --ctc_weight 0.2"
inference_tag=""        # name of the decode folder (default: decode_<config>_<model><args>)
inference_nj=8          # decoding jobs (one GPU each when there are GPUs)
gpu_inference=auto      # true, false, auto: GPUs when nvidia-smi lists one
ngpu=1                  # GPUs per node (0: CPU)
num_nodes=1             # nodes; > 1 needs the Slurm backend (srun + ESPnet's --dist_launcher slurm)
keep_batch=true         # rescale batch_bins/accum_grad to ngpu x num_nodes GPUs, same update (train_config.py)
ref_gpus=16             # GPUs FAMA's configs are written for (FBK: 16 A100 64GB)
expdir=""               # default: exp/fama_${model_size}, or exp/finetune_<model>_<task>
test_sets=auto          # auto: every complete data/test_* (local/data.sh makes them from db.sh)
bpemodel=""             # sentencepiece model: instead of stage 4's (e.g. FAMA's); fine-tuning: if DIR has none
nbpe=16000              # sentencepiece units when stage 4 trains one (FAMA: spm_en_it_16000_lid)
avg_num=25              # checkpoints averaged after each step (FAMA: the last 25)
decode_config=conf/decode_fama_joint_ctc.yaml  # or conf/decode_fama.yaml (no CTC)
local_data_opts=""      # options for local/data.sh, e.g. "--steps 1 --test_sets ''"
finetune_from=""        # exp dir of a FAMA model to fine-tune (config.yaml, model.pth, bpe.model)
finetune_task=asr       # asr: stages 2-7 then 10-12 (ASR only); st: stages 2-5, 8-12 (ASR + ST)
finetune_config=""      # default: conf/finetune_fama_${finetune_task}.yaml
finetune_avg_num=5      # checkpoints averaged after fine-tuning
train_set=""            # fine-tuning: your Kaldi-style dirs under data/
valid_set=""
dry_run=false           # print the commands instead of running them
help_message=$(sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//')

. ./path.sh
. ./cmd.sh
. utils/parse_options.sh
fama_extra=("$@")       # after --: options for fama.sh

die() { echo "$0: $*" >&2; exit 1; }
run() {
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
expdir_given=${expdir}
if [ -z "${finetune_from}" ]; then
  expdir=${expdir:-exp/fama_${model_size}}
else
  expdir=${expdir:-exp/finetune_$(basename "${finetune_from}")_${finetune_task}}
fi

# ---- launching: one node (fama.sh: --ngpu N > 1 is ESPnet's DDP), or several through Slurm
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
common=(--stage "${stage}" --stop_stage "${stop_stage}" --ngpu "${ngpu}" --train_cmd "${train_cmd}" --decode_cmd "${decode_cmd}"
  --skip_data_prep "${skip_data_prep}" --skip_eval "${skip_eval}" --skip_packing "${skip_packing}"
  --skip_upload_hf "${skip_upload_hf}" --hf_repo "${hf_repo}" --inference_args "${inference_args}"
  --inference_tag "${inference_tag}" --inference_nj "${inference_nj}" --gpu_inference "${gpu_inference}"
  --test_sets "${test_sets}" --results_command "$0 ${all_args}")

derive() {  # CONFIG OUT [make_train_config options]: the run's config (rescaled batch)
  local config=$1 out=$2
  shift 2
  if ${keep_batch}; then
    run python -m fama_espnet.bin.make_train_config --config "${config}" --out "${out}" --gpus "${gpus}" "$@"
  else
    run python -m fama_espnet.bin.make_train_config --config "${config}" --out "${out}" "$@"
  fi
}

if [ -n "${decode_model}" ]; then
  # ---- evaluating a given model: the test sets only (stages 1-2, 5), decoding, scoring
  if [ -d "${decode_model}" ]; then expdir=${expdir_given:-${decode_model}}; fi
  # local/data.sh --steps none: the test sets only, unless asked otherwise
  run ./fama.sh "${common[@]}" --expdir "${expdir}" --decode_config "${decode_config}" \
    --decode_model "${decode_model}" --skip_train true --skip_packing true \
    --local_data_opts "--steps none ${local_data_opts}" "${fama_extra[@]}"
  exit 0
fi

if [ -z "${finetune_from}" ]; then
  # ---- FAMA from scratch: FBK's two steps, each on its own sets
  step1_config=conf/train_fama_${model_size}_asr.yaml
  step2_config=conf/train_fama_${model_size}.yaml
  if wanted 6 8; then
    derive "${step1_config}" "${expdir}/conf/step1.yaml" --ref_gpus "${ref_gpus}"
    derive "${step2_config}" "${expdir}/conf/step2.yaml" --ref_gpus "${ref_gpus}"
    step1_config=${expdir}/conf/step1.yaml
    step2_config=${expdir}/conf/step2.yaml
  fi
  if [ -n "${bpemodel}" ] && wanted 4 4; then
    run python -m fama_espnet.bin.prepare_token_list --spm_model "${bpemodel}" --outdir data/token_list
  fi
  run ./fama.sh "${common[@]}" --skip_train "${skip_train}" --expdir "${expdir}" --nbpe "${nbpe}" \
    --avg_num "${avg_num}" --decode_config "${decode_config}" --model_name "fama_${model_size}" \
    --local_data_opts "${local_data_opts}" \
    --step1_config "${step1_config}" --step1_train_set train_asr --step1_valid_set dev_asr \
    --step1_args "$(dist_args step1)" \
    --step2_config "${step2_config}" --step2_train_set train_st --step2_valid_set dev_st \
    --step2_args "$(dist_args step2)" "${fama_extra[@]}"
  exit 0
fi

# ---- fine-tuning a FAMA model (imported with import_fairseq, or trained) on data/${train_set}
[ -n "${train_set}" ] && [ -n "${valid_set}" ] || die "fine-tuning needs --train_set and --valid_set (dirs under data/)"
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
finetune_config=${finetune_config:-conf/finetune_fama_${finetune_task}.yaml}
config=${expdir}/conf/finetune.yaml
# The overlay's batch is written for one GPU; the network comes from the model's config.
derive "${finetune_config}" "${config}" --ref_gpus 1 --base_config "${finetune_from}/config.yaml"
# The model's own token list, in its order, so that its output rows stay where they are.
run python -m fama_espnet.bin.prepare_token_list --spm_model "${bpemodel}" \
  --model_config "${finetune_from}/config.yaml" --outdir data/token_list
init="--init_param ${finetune_from}/model.pth $(dist_args finetune)"
# ASR: step 1 alone (decoded and packed); ST: step 2 alone, from the given model.
step=(--steps 1 --step1_config "${config}" --step1_args "${init}" --decode_tasks asr)
[ "${finetune_task}" = asr ] || step=(--steps 2 --step2_config "${config}" --step2_args "${init}")
run ./fama.sh "${common[@]}" --stage "${stage}" --expdir "${expdir}" --avg_num "${finetune_avg_num}" \
  --decode_config "${decode_config}" --train_set "${train_set}" --valid_set "${valid_set}" \
  --model_name "$(basename "${expdir}")" "${step[@]}" "${fama_extra[@]}"
