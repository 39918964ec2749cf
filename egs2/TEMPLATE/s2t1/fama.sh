#!/usr/bin/env bash
# The FAMA stage pipeline: every recipe's run.sh sets its options and calls this.
# Each stage is a few lines calling fama_espnet. Every output records what it was made
# from (.done; fama_espnet/provenance.py): a rerun skips what is current, rebuilds a
# stale decode or score, refuses a stale data dir (naming what differs), and resumes
# training from its last checkpoint.
set -euo pipefail

log() { echo -e "$(date '+%Y-%m-%dT%H:%M:%S') (${0##*/}:${BASH_LINENO[0]}) $*"; }

# ---- options (override with --name value; see utils/parse_options.sh)
stage=1                 # first stage to run
stop_stage=13           # last stage to run (13, the Hub upload, runs only with --skip_upload_hf false)
skip_data_prep=false    # skip stages 1-5
skip_train=false        # skip stages 6-9 (and the training sets in 2-5: evaluate a given --decode_model)
skip_eval=false         # skip stages 10-11
skip_packing=false      # skip stage 12
skip_upload_hf=true     # skip stage 13 (push the packed model and its model card to --hf_repo)
hf_repo=""              # Hugging Face Hub repo of stage 13, e.g. my-org/fama-small-ft
ngpu=0                  # GPUs per training job (0: CPU)
nj=2                    # parallel jobs for data preparation
feats_type=raw          # raw: the model computes fbank from the audio at every step; fbank: stage 2
                        # computes it once (same features) and training reads it (ESPnet's --feats_type)
inference_nj=2          # parallel decoding jobs
gpu_inference=auto      # decode on a GPU per job: true, false, auto (when nvidia-smi lists one)
decode_batch_seconds=200 # padded audio seconds per batched beam search
inference_model=model.pth # model file of the step's exp dir to decode and pack
inference_tag=""        # decodes go to <model dir>/<tag>; default <config>_<model><args> (ESPnet's)
inference_args=""       # decoding options over --decode_config, e.g. "--beam_size 10 --ctc_weight 0.2"
decode_model=""         # what stages 10-12 decode: default the last trained step's model; or an exp dir, a .pth in
                        # one, an imported FAMA dir, a packed .zip, a Hugging Face Hub repo id
local_data_opts=""      # options for local/data.sh
train_set=train         # training and validation sets of both steps, unless a step names its own:
valid_set=dev
step1_train_set=""      # step 1 (ASR) sets (FAMA: the ASR data); default --train_set / --valid_set
step1_valid_set=""
step2_train_set=""      # step 2 (ASR + ST) sets (FAMA: the ST data, transcripts and translations)
step2_valid_set=""
steps="1 2"             # the steps trained: "1 2" (FAMA), "1" (an ASR-only model, e.g. an ASR fine-tune),
                        # "2" (ASR + ST from the --init_param of --step2_args); 10-12 use the last one's model
test_sets="test"        # or "auto": every finished data/test_* dir once stage 1 has made them
languages="en it"
nbpe=400                # sentencepiece units (without the language tags)
max_wav_duration=30     # seconds; FAMA's --max-source-positions 3000
step1_config=conf/train_step1.yaml
step2_config=conf/train_step2.yaml
step1_args=""           # extra options for step-1 training, e.g. "--max_epoch 2"
step2_args=""
decode_config=conf/decode.yaml
avg_num=25              # checkpoints averaged after each step (FAMA: 25)
decode_tasks="asr st"   # st decodes into each utterance's target language
expdir=exp
dumpdir=dump
model_name=fama         # name of the packed zip
results_command="./run.sh"  # recorded in RESULTS.md
help_message="Usage: $0 [--stage N] [--stop_stage M] [--ngpu N] [--nj N] ... (see the variables at the top)"

. ./path.sh
. ./cmd.sh
. utils/parse_options.sh

step1_dir=${expdir}/s2t_step1
step2_dir=${expdir}/s2t_step2
token_dir=data/token_list
data_root=${dumpdir}/${feats_type}  # the formatted dirs stages 3-11 read
step1_train_set=${step1_train_set:-${train_set}} step1_valid_set=${step1_valid_set:-${valid_set}}
step2_train_set=${step2_train_set:-${train_set}} step2_valid_set=${step2_valid_set:-${valid_set}}
case " ${steps} " in
  " 1 2 " | " 1 " | " 2 ") ;; *) echo "$0: --steps takes \"1 2\", \"1\" or \"2\", not '${steps}'" >&2; exit 1 ;;
esac
has_step() { case " ${steps} " in *" $1 "*) true ;; *) false ;; esac; }
final_dir=${step2_dir}; has_step 2 || final_dir=${step1_dir}  # the model stages 10-12 use
train_sets="" valid_sets=""  # the steps' sets, each once
for n in ${steps}; do
  t=step${n}_train_set v=step${n}_valid_set
  case " ${train_sets} " in *" ${!t} "*) ;; *) train_sets+=" ${!t}" ;; esac
  case " ${valid_sets} " in *" ${!v} "*) ;; *) valid_sets+=" ${!v}" ;; esac
done
resolve_test_sets() {  # "auto": every data/test_* that local/data.sh finished
  [ "${test_sets}" = auto ] || return 0
  local d found=""
  for d in data/test_*/; do [ -f "${d}.done" ] && found+=" $(basename "${d}")"; done
  test_sets=${found# }
}
mkdir -p "${expdir}"
timing=${expdir}/timing.txt
echo "# $(date '+%Y-%m-%d %H:%M') stages ${stage}-${stop_stage}" >> "${timing}"
stage_start() { t0=$(date +%s); log "Stage $1: $2"; }
stage_end() { echo "stage $1 ($2): $(( $(date +%s) - t0 )) s" >> "${timing}"; }
for v in skip_data_prep skip_train skip_eval skip_packing skip_upload_hf; do
  case ${!v} in true | false) ;; *) echo "$0: --${v} takes true or false, not '${!v}'" >&2; exit 1 ;; esac
done
case ${gpu_inference} in true | false | auto) ;; *) echo "$0: --gpu_inference takes true, false or auto" >&2; exit 1 ;; esac
case ${feats_type} in raw | fbank) ;; *) echo "$0: --feats_type takes raw or fbank, not '${feats_type}'" >&2; exit 1 ;; esac
skipped() {  # STAGE: is it switched off by a --skip_* option (ESPnet's names)
  case $1 in
    1 | 2 | 3 | 4 | 5) ${skip_data_prep} ;; 6 | 7 | 8 | 9) ${skip_train} ;; 10 | 11) ${skip_eval} ;;
    12) ${skip_packing} ;; 13) ${skip_upload_hf} ;; *) false ;;
  esac
}
run_stage() { [ "${stage}" -le "$1" ] && [ "${stop_stage}" -ge "$1" ] && ! skipped "$1"; }

# ---- what stages 10-12 decode and pack, and where its decodes go (under the model's own dir)
if [ -z "${decode_model}" ]; then
  model=${final_dir}/${inference_model} model_dir=${final_dir}
elif [ -d "${decode_model}" ]; then
  model=${decode_model} model_dir=${decode_model}
  [ -f "${decode_model}/${inference_model}" ] && model=${decode_model}/${inference_model}
elif [ -f "${decode_model}" ] && [[ ${decode_model} == *.pth ]]; then
  model=${decode_model} model_dir=$(dirname "${decode_model}")
else  # a packed zip or a Hub repo id: its decodes go in the experiment dir
  model=${decode_model} model_dir=${expdir}/$(basename "${decode_model}" .zip)
  [ -f "${decode_model}" ] || model_dir=${expdir}/hf_${decode_model//\//_}
fi
args_tag=$(echo "${inference_args}" | sed -e "s/--/_/g" -e "s/[ |=/]//g")
[ -n "${inference_tag}" ] || inference_tag="$(basename "${decode_config}" .yaml)_$(basename "${model}" | sed "s/\.[^.]*$//")${args_tag}"
decode_root=${model_dir}/${inference_tag}
# The experiment whose RESULTS.md reports these decodes: expdir, or the given model's own dir.
results_dir=${expdir}
case "$(realpath -m "${model_dir}")/" in "$(realpath -m "${expdir}")"/*) ;; *) results_dir=${model_dir} ;; esac
if [ "${gpu_inference}" = auto ]; then
  gpu_inference=false; nvidia-smi -L 2>/dev/null | grep -q GPU && gpu_inference=true
fi
inference_ngpu=0; ${gpu_inference} && inference_ngpu=1
# Evaluating a given model: only the test sets are prepared.
data_sets() { if ${skip_train}; then echo "${test_sets}"; else echo "${train_sets} ${valid_sets} ${test_sets}"; fi; }

data_args() {  # data_args DIR NAME... -> ESPnet --{train,valid}_data_path_and_name_and_type
  # Formatted dirs hold audio files or fairseq manifest entries (slices, zipped .npy fbank
  # or audio), all read by the `fairseq_audio` type; speech_shape counts 10 ms frames for
  # both kinds, the unit of the configs' batch_bins (fama_espnet/data/speech_format.py).
  local kind=$1 dir=$2; shift 2
  local -A file=([speech]=wav.scp [text]=text [src_lang]=utt2lang [text_tgt]=text_tgt [tgt_lang]=utt2tgtlang)
  for n in "$@"; do
    local type=text; [ "$n" = speech ] && type=fairseq_audio
    echo -n " --${kind}_data_path_and_name_and_type ${dir}/${file[$n]},${n},${type}"
  done
  echo -n " --${kind}_shape_file ${dir}/speech_shape"
}

train_step() {  # train_step OUTDIR CONFIG TRAIN_SET VALID_SET "NAMES" EXTRA_ARGS [INIT_MODEL]
  local out=$1 config=$2 train_data=${data_root}/$3_filtered valid_data=${data_root}/$4 names=$5 extra=$6 rc=0
  # A launch's own rendezvous file (multi-node) is not what the model is made from.
  local made=(--out "${out}" --stage "training ${out}" --config config="${config}" --dir train="${train_data}"
    --dir valid="${valid_data}" --value args="$(echo "${extra}" | sed -E 's/--dist_init_method +[^ ]+//')")
  [ -z "${7:-}" ] || made+=(--file init="$7")
  python -m fama_espnet.bin.made_from "${made[@]}" || rc=$?
  case ${rc} in
    0) log "${out} already trained"; return ;;
    2) log "remove ${out}/.done to continue training it with this run's options (ESPnet resumes" \
         "from checkpoint.pth), or ${out} to train anew"; exit 1 ;;
  esac
  mkdir -p "${out}"
  # Precomputed fbank: the model skips its front-end (utterance CMVN still applies).
  extra="$(python -m fama_espnet.bin.speech_format --train_args "${train_data}") ${extra}"
  # --resume true: a killed run continues from its last checkpoint (one per epoch).
  # shellcheck disable=SC2046,SC2086  # train_cmd, names, extra and data_args' output are option lists
  ${train_cmd} --gpu "${ngpu}" "${out}/train.log" \
    python -m fama_espnet.bin.train --config "${config}" --output_dir "${out}" \
      --token_list "${token_dir}/tokens.txt" --bpemodel "${token_dir}/bpe.model" \
      --ngpu "${ngpu}" --multiprocessing_distributed "$([ "${ngpu}" -gt 1 ] && echo true || echo false)" \
      --resume true $(data_args train "${train_data}" ${names}) \
      $(data_args valid "${valid_data}" ${names}) ${extra}
  python -m fama_espnet.bin.made_from "${made[@]}" --mark
}

if run_stage 1; then
  stage_start 1 "data preparation (local/data.sh)"
  # shellcheck disable=SC2086
  local/data.sh ${local_data_opts}
  stage_end 1 "data"
fi
resolve_test_sets

if run_stage 2; then
  stage_start 2 "audio formatting (16 kHz mono) and validation"
  # Imported dirs (they record their speech format) are read in place: checked, tables copied.
  for x in $(data_sets); do
    # shellcheck disable=SC2086  # one argument per language
    python -m fama_espnet.bin.format_data --src "data/${x}" --dst "${dumpdir}/raw/${x}" --nj "${nj}" \
      --languages ${languages}
    [ "${feats_type}" = raw ] || python -m fama_espnet.bin.extract_fbank --src "${dumpdir}/raw/${x}" \
      --dst "${data_root}/${x}" --nj "${nj}"
  done
  stage_end 2 "format"
fi

if run_stage 3 && ! ${skip_train}; then
  stage_start 3 "filtering the training sets (max ${max_wav_duration} s, empty text)"
  for x in ${train_sets}; do
    python -m fama_espnet.bin.filter_data --src "${data_root}/${x}" --dst "${data_root}/${x}_filtered" \
      --max_seconds "${max_wav_duration}"
  done
  stage_end 3 "filter"
fi

if run_stage 4 && ! ${skip_train}; then
  stage_start 4 "sentencepiece (${nbpe} units) with the language tags"
  # Made from the options, on the texts (transcripts and translations) of every step's training set;
  # a token list installed by prepare_token_list (a given sentencepiece model) is kept.
  made=(--out "${token_dir}" --stage "tokenizer" --value nbpe="${nbpe}" --value languages="${languages}")
  rc=0; python -m fama_espnet.bin.made_from "${made[@]}" || rc=$?
  if [ "${rc}" -eq 2 ]; then exit 1; fi
  if [ "${rc}" -eq 1 ] && [ ! -f "${token_dir}/tokens.txt" ]; then
    texts=""
    for x in ${train_sets}; do
      for f in text text_tgt; do
        [ ! -f "${data_root}/${x}_filtered/${f}" ] || texts+=" --text ${data_root}/${x}_filtered/${f}"
      done
    done
    # shellcheck disable=SC2086
    python -m fama_espnet.bin.train_tokenizer ${texts} --vocab_size "${nbpe}" --languages ${languages} \
      --outdir "${token_dir}"
    python -m fama_espnet.bin.made_from "${made[@]}" --mark
  fi
  stage_end 4 "tokenizer"
fi

if run_stage 5; then
  stage_start 5 "statistics"
  stats_sets="$(for x in ${train_sets}; do echo -n "${x}_filtered "; done)${valid_sets} ${test_sets}"
  ${skip_train} && stats_sets=${test_sets}
  for x in ${stats_sets}; do
    # shellcheck disable=SC2046  # no words without a bpe.model, else the option and its path
    python -m fama_espnet.bin.data_stats --data "${data_root}/${x}" \
      $([ -f "${token_dir}/bpe.model" ] && echo --bpemodel "${token_dir}/bpe.model")
  done
  stage_end 5 "stats"
fi

if run_stage 6 && has_step 1; then
  stage_start 6 "step 1: ASR training (${step1_config}) on ${step1_train_set}"
  train_step "${step1_dir}" "${step1_config}" "${step1_train_set}" "${step1_valid_set}" "speech text src_lang" \
    "${step1_args}"
  stage_end 6 "step-1 training"
fi

if run_stage 7 && has_step 1; then
  stage_start 7 "step 1: averaging the last ${avg_num} checkpoints"
  python -m fama_espnet.bin.average_checkpoints --exp_dir "${step1_dir}" --num "${avg_num}" \
    --output "${step1_dir}/model.pth"
  stage_end 7 "step-1 average"
fi

if run_stage 8 && has_step 2; then
  stage_start 8 "step 2: ASR + ST training (${step2_config}) on ${step2_train_set}"
  names="speech text src_lang text_tgt tgt_lang"
  if has_step 1; then  # from the step-1 average; ESPnet keeps the last --init_param (one in step2_args wins)
    train_step "${step2_dir}" "${step2_config}" "${step2_train_set}" "${step2_valid_set}" "${names}" \
      "--init_param ${step1_dir}/model.pth ${step2_args}" "${step1_dir}/model.pth"
  else
    train_step "${step2_dir}" "${step2_config}" "${step2_train_set}" "${step2_valid_set}" "${names}" "${step2_args}"
  fi
  stage_end 8 "step-2 training"
fi

if run_stage 9 && has_step 2; then
  stage_start 9 "step 2: averaging the last ${avg_num} checkpoints"
  python -m fama_espnet.bin.average_checkpoints --exp_dir "${step2_dir}" --num "${avg_num}" \
    --output "${step2_dir}/model.pth"
  stage_end 9 "step-2 average"
fi

if run_stage 10; then
  stage_start 10 "decoding ${test_sets} (${decode_tasks}) with ${decode_config} ${inference_args} -> ${decode_root}"
  device=cpu; [ "${inference_ngpu}" -gt 0 ] && device=cuda
  for x in ${test_sets}; do
    data="${data_root}/${x}"
    for task in ${decode_tasks}; do
      if [ "${task}" = st ] && [ ! -f "${data}/text_tgt" ]; then continue; fi
      out="${decode_root}/${x}_${task}"
      # shellcheck disable=SC2206
      decode=(python -m fama_espnet.bin.decode --model "${model}" --task "${task}" --config "${decode_config}"
        --batch_seconds "${decode_batch_seconds}" --device "${device}" ${inference_args})
      # Current (same model file, data and decoding options): skipped; anything else decodes again.
      if [ -f "${out}/.done" ] && "${decode[@]}" --data "${data}" --output "${out}" --check; then
        log "${out} is current"; continue
      fi
      n=$(wc -l < "${data}/wav.scp"); nj=$((inference_nj < n ? inference_nj : n))
      python -m fama_espnet.bin.split_data --src "${data}" --nj "${nj}" --outdir "${data}/split${nj}"
      rm -rf "${out}/logdir"  # parts of an earlier run (another nj) are not merged
      ${decode_cmd} --gpu "${inference_ngpu}" JOB=1:"${nj}" "${out}/logdir/decode.JOB.log" \
        "${decode[@]}" --data "${data}/split${nj}/JOB" --output "${out}/logdir/output.JOB"
      python -m fama_espnet.bin.merge_decodes --parts "${out}"/logdir/output.* --data "${data}" --output "${out}"
    done
  done
  stage_end 10 "decoding"
fi

if run_stage 11; then
  stage_start 11 "scoring: WER (ASR), BLEU and chrF (ST) -> ${results_dir}/RESULTS.md, RESULTS.md"
  for x in ${test_sets}; do
    for task in ${decode_tasks}; do
      out="${decode_root}/${x}_${task}"
      [ -f "${out}/.done" ] && python -m fama_espnet.bin.score --data "${data_root}/${x}" --task "${task}" \
        --decode_dir "${out}"
    done
  done
  train_dirs=(); for n in ${steps}; do train_dirs+=("${expdir}/s2t_step${n}"); done
  python -m fama_espnet.bin.results --exp_dir "${results_dir}" --train_dirs "${train_dirs[@]}" \
    --timing "${timing}" --command "${results_command}" --index RESULTS.md --exp_root exp
  stage_end 11 "scoring"
fi

if run_stage 12; then
  stage_start 12 "packing ${expdir}/${model_name}.zip"
fi
if run_stage 12 && [[ ${model} != *.pth ]]; then
  log "--decode_model ${decode_model} is packed already"
elif run_stage 12; then
  python -m fama_espnet.bin.pack --config "${model_dir}/config.yaml" --model_file "${model}" \
    --outpath "${expdir}/${model_name}.zip" --option "${results_dir}/RESULTS.md"
  python -c "from fama_espnet.inference import FamaSpeech2Text as S; S.from_pretrained('${expdir}/${model_name}.zip')" \
    && log "the packed model loads"
  stage_end 12 "packing"
fi

if run_stage 13; then
  stage_start 13 "uploading ${expdir}/${model_name}.zip to the Hugging Face Hub: ${hf_repo}"
  [ -n "${hf_repo}" ] || { log "--hf_repo is needed to upload (e.g. --hf_repo my-org/fama-small-ft)"; exit 1; }
  python -m fama_espnet.bin.upload_hf --zip "${expdir}/${model_name}.zip" --results "${expdir}/RESULTS.md" \
    --hf_repo "${hf_repo}"
  stage_end 13 "upload"
fi
log "Successfully finished stages ${stage}-${stop_stage}"
