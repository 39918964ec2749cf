#!/usr/bin/env bash
# FAMA on the real corpora (FBK-fairseq fbk_works/FAMA.md: step 1 ASR on data/train_asr, step 2
# ASR + ST on data/train_st), fine-tuning a FAMA model, or scoring one. Stages: fama.sh's (1-13).
#   ./run.sh --model_size small|medium [--ngpu 8] [--num_nodes 2] [--stage N --stop_stage M]
#   ./run.sh --finetune_from exp/fama_small --finetune_task asr|st --train_set my_train \
#       --valid_set my_dev --test_sets "my_test"
#   ./run.sh --decode_model exp/fama_small   # score a model (imported, trained, zip, Hub id) on the test sets
#   ./run.sh ... -- [fama.sh options, e.g. --decode_batch_seconds 400]
set -euo pipefail
cd "$(dirname "$0")"
all_args="$*"

model_size=small        # small | medium: conf/train_fama_${model_size}{_asr,}.yaml
stage=1                 # first and last fama.sh stage (13: Hub upload, with --skip_upload_hf false)
stop_stage=13
skip_data_prep=false    # ESPnet's skip options: stages 1-5, 6-9 (true with --decode_model), 10-11, 12
skip_train=false
skip_eval=false
skip_packing=false
skip_upload_hf=true     # 13: push the packed model and a model card to --hf_repo (e.g. my-org/fama-it-ft)
hf_repo=""
decode_model=""         # score this model instead: an imported FAMA dir, an exp dir, a .zip or a Hub repo id
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
finetune_task=asr       # asr: step 1 alone, decoded and packed; st: step 2 alone
finetune_config=""      # default: conf/finetune_fama_${finetune_task}.yaml
finetune_avg_num=5      # checkpoints averaged after fine-tuning
train_set=""            # fine-tuning: your Kaldi-style dirs under data/
valid_set=""
dry_run=false           # print the commands instead of running them
help_message=$(sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//')

. ./path.sh
. ./cmd.sh
. utils/parse_options.sh
fama_extra=("$@")       # after --: options for fama.sh
# shellcheck source=local/launch.sh
. local/launch.sh       # option checks, --dry_run (run), multi-node (dist_args), configs (derive), expdir
args=(--stage "${stage}" --stop_stage "${stop_stage}" --ngpu "${ngpu}" --train_cmd "${train_cmd}"
  --decode_cmd "${decode_cmd}" --skip_data_prep "${skip_data_prep}" --skip_train "${skip_train}"
  --skip_eval "${skip_eval}" --skip_packing "${skip_packing}" --skip_upload_hf "${skip_upload_hf}"
  --hf_repo "${hf_repo}" --inference_args "${inference_args}" --inference_tag "${inference_tag}"
  --inference_nj "${inference_nj}" --gpu_inference "${gpu_inference}" --test_sets "${test_sets}"
  --results_command "$0 ${all_args}" --expdir "${expdir}" --decode_config "${decode_config}")

if [ -n "${decode_model}" ]; then  # scoring a given model: the test sets only, decoding, scoring
  args+=(--decode_model "${decode_model}" --skip_train true --skip_packing true
    --local_data_opts "--steps none ${local_data_opts}")
elif [ -z "${finetune_from}" ]; then  # FAMA from scratch: FBK's two steps, each on its own sets
  step1_config=conf/train_fama_${model_size}_asr.yaml
  step2_config=conf/train_fama_${model_size}.yaml
  if wanted 6 8; then
    derive "${step1_config}" "${expdir}/conf/step1.yaml" --ref_gpus "${ref_gpus}"
    derive "${step2_config}" "${expdir}/conf/step2.yaml" --ref_gpus "${ref_gpus}"
    step1_config=${expdir}/conf/step1.yaml step2_config=${expdir}/conf/step2.yaml
  fi
  if [ -n "${bpemodel}" ] && wanted 4 4; then
    run python -m fama_espnet.bin.prepare_token_list --spm_model "${bpemodel}" --outdir data/token_list
  fi
  args+=(--nbpe "${nbpe}" --avg_num "${avg_num}" --model_name "fama_${model_size}"
    --local_data_opts "${local_data_opts}"
    --step1_config "${step1_config}" --step1_train_set train_asr --step1_valid_set dev_asr
    --step1_args "$(dist_args step1)"
    --step2_config "${step2_config}" --step2_train_set train_st --step2_valid_set dev_st
    --step2_args "$(dist_args step2)")
else  # fine-tuning a FAMA model (imported with import_fairseq, or trained) on data/${train_set}
  config=${expdir}/conf/finetune.yaml
  # The overlay's batch is written for one GPU; the network comes from the model's config.
  derive "${finetune_config:-conf/finetune_fama_${finetune_task}.yaml}" "${config}" --ref_gpus 1 \
    --base_config "${finetune_from}/config.yaml"
  # The model's own token list, in its order, so that its output rows stay where they are.
  run python -m fama_espnet.bin.prepare_token_list --spm_model "${bpemodel}" \
    --model_config "${finetune_from}/config.yaml" --outdir data/token_list
  init="--init_param ${finetune_from}/model.pth $(dist_args finetune)"
  # ASR: step 1 alone (decoded and packed); ST: step 2 alone, from the given model.
  step=(--steps 1 --step1_config "${config}" --step1_args "${init}" --decode_tasks asr)
  [ "${finetune_task}" = asr ] || step=(--steps 2 --step2_config "${config}" --step2_args "${init}")
  args+=(--avg_num "${finetune_avg_num}" --train_set "${train_set}" --valid_set "${valid_set}"
    --model_name "$(basename "${expdir}")" "${step[@]}")
fi
run ./fama.sh "${args[@]}" "${fama_extra[@]}"
