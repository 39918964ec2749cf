#!/usr/bin/env bash
# The FAMA stage pipeline: every recipe's run.sh sets its options and calls this.
# Each stage is a few lines calling fama_espnet; each writes a .done marker (or an
# ESPnet checkpoint) so that a rerun skips finished work and resumes the rest.
set -euo pipefail

log() { echo -e "$(date '+%Y-%m-%dT%H:%M:%S') (${0##*/}:${BASH_LINENO[0]}) $*"; }

# ---- options (override with --name value; see utils/parse_options.sh)
stage=1                 # first stage to run
stop_stage=12           # last stage to run
ngpu=0                  # GPUs per training job (0: CPU)
nj=2                    # parallel jobs for data preparation
inference_nj=2          # parallel decoding jobs
inference_ngpu=0        # GPUs per decoding job (0: CPU)
decode_batch_seconds=200 # padded audio seconds per batched beam search
local_data_opts=""      # options for local/data.sh
train_set=train
valid_set=dev
test_sets="test"
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
train_data=${dumpdir}/raw/${train_set}_filtered
mkdir -p "${expdir}"
timing=${expdir}/timing.txt
echo "# $(date '+%Y-%m-%d %H:%M') stages ${stage}-${stop_stage}" >> "${timing}"
stage_start() { t0=$(date +%s); log "Stage $1: $2"; }
stage_end() { echo "stage $1 ($2): $(( $(date +%s) - t0 )) s" >> "${timing}"; }
run_stage() { [ "${stage}" -le "$1" ] && [ "${stop_stage}" -ge "$1" ]; }

# Dirs imported by bin.import_tsv (a feats_type file) are read in place: their wav.scp
# holds fairseq manifest entries (files, slices, zip members; waveforms or fbank).
in_place() { [ -f "$1/feats_type" ]; }
feats_type() { if in_place "$1"; then cat "$1/feats_type"; else echo waveform; fi; }

data_args() {  # data_args DIR NAME... -> ESPnet --{train,valid}_data_path_and_name_and_type
  local kind=$1 dir=$2; shift 2
  local -A file=([speech]=wav.scp [text]=text [src_lang]=utt2lang [text_tgt]=text_tgt [tgt_lang]=utt2tgtlang)
  local speech_type=sound; in_place "${dir}" && speech_type=fairseq_audio
  for n in "$@"; do
    local type=text; [ "$n" = speech ] && type=${speech_type}
    echo -n " --${kind}_data_path_and_name_and_type ${dir}/${file[$n]},${n},${type}"
  done
  echo -n " --${kind}_shape_file ${dir}/speech_shape"
}

train_step() {  # train_step OUTDIR CONFIG "NAMES" EXTRA_ARGS
  local out=$1 config=$2 names=$3 extra=$4
  if [ -f "${out}/.done" ]; then log "${out} already trained"; return; fi
  mkdir -p "${out}"
  # Precomputed fbank: the model skips its front-end (utterance CMVN still applies).
  [ "$(feats_type "${train_data}")" = fbank ] && extra="--input_size 80 ${extra}"
  # --resume true: a killed run continues from its last checkpoint (one per epoch).
  # shellcheck disable=SC2086
  ${train_cmd} --gpu "${ngpu}" "${out}/train.log" \
    python -m fama_espnet.bin.train --config "${config}" --output_dir "${out}" \
      --token_list "${token_dir}/tokens.txt" --bpemodel "${token_dir}/bpe.model" \
      --ngpu "${ngpu}" --multiprocessing_distributed "$([ "${ngpu}" -gt 1 ] && echo true || echo false)" \
      --resume true $(data_args train "${train_data}" ${names}) \
      $(data_args valid "${dumpdir}/raw/${valid_set}" ${names}) ${extra}
  touch "${out}/.done"
}

if run_stage 1; then
  stage_start 1 "data preparation (local/data.sh)"
  # shellcheck disable=SC2086
  local/data.sh ${local_data_opts}
  stage_end 1 "data"
fi

if run_stage 2; then
  stage_start 2 "audio formatting (16 kHz mono) and validation"
  for x in ${train_set} ${valid_set} ${test_sets}; do
    if in_place "data/${x}"; then  # validated by the import; only the tables are copied
      [ -d "${dumpdir}/raw/${x}" ] || { mkdir -p "${dumpdir}/raw" && cp -r "data/${x}" "${dumpdir}/raw/${x}.tmp" \
        && mv "${dumpdir}/raw/${x}.tmp" "${dumpdir}/raw/${x}"; }
      continue
    fi
    python -m fama_espnet.bin.format_data --src "data/${x}" --dst "${dumpdir}/raw/${x}" --nj "${nj}" \
      --languages ${languages}
  done
  stage_end 2 "format"
fi

if run_stage 3; then
  stage_start 3 "filtering the training set (max ${max_wav_duration} s, empty text)"
  # speech_shape counts samples (16 kHz), or frames (100 per second) for fbank.
  rate=16000; [ "$(feats_type "${dumpdir}/raw/${train_set}")" = fbank ] && rate=100
  python -m fama_espnet.bin.filter_data --src "${dumpdir}/raw/${train_set}" --dst "${train_data}" \
    --max_seconds "${max_wav_duration}" --fs "${rate}"
  stage_end 3 "filter"
fi

if run_stage 4; then
  stage_start 4 "sentencepiece (${nbpe} units) with the language tags"
  if [ ! -f "${token_dir}/tokens.txt" ]; then
    texts="--text ${train_data}/text"
    [ -f "${train_data}/text_tgt" ] && texts+=" --text ${train_data}/text_tgt"
    # shellcheck disable=SC2086
    python -m fama_espnet.bin.train_tokenizer ${texts} --vocab_size "${nbpe}" --languages ${languages} \
      --outdir "${token_dir}"
  fi
  stage_end 4 "tokenizer"
fi

if run_stage 5; then
  stage_start 5 "statistics"
  for x in ${train_set}_filtered ${valid_set} ${test_sets}; do
    python -m fama_espnet.bin.data_stats --data "${dumpdir}/raw/${x}" --bpemodel "${token_dir}/bpe.model"
  done
  stage_end 5 "stats"
fi

if run_stage 6; then
  stage_start 6 "step 1: ASR training (${step1_config})"
  train_step "${step1_dir}" "${step1_config}" "speech text src_lang" "${step1_args}"
  stage_end 6 "step-1 training"
fi

if run_stage 7; then
  stage_start 7 "step 1: averaging the last ${avg_num} checkpoints"
  python -m fama_espnet.bin.average_checkpoints --exp_dir "${step1_dir}" --num "${avg_num}" \
    --output "${step1_dir}/model.pth"
  stage_end 7 "step-1 average"
fi

if run_stage 8; then
  stage_start 8 "step 2: ASR + ST training from the step-1 average (${step2_config})"
  train_step "${step2_dir}" "${step2_config}" "speech text src_lang text_tgt tgt_lang" \
    "--init_param ${step1_dir}/model.pth ${step2_args}"
  stage_end 8 "step-2 training"
fi

if run_stage 9; then
  stage_start 9 "step 2: averaging the last ${avg_num} checkpoints"
  python -m fama_espnet.bin.average_checkpoints --exp_dir "${step2_dir}" --num "${avg_num}" \
    --output "${step2_dir}/model.pth"
  stage_end 9 "step-2 average"
fi

if run_stage 10; then
  stage_start 10 "decoding ${test_sets} (${decode_tasks}) with ${decode_config}"
  for x in ${test_sets}; do
    data="${dumpdir}/raw/${x}"
    python -m fama_espnet.bin.split_data --src "${data}" --nj "${inference_nj}" --outdir "${data}/split${inference_nj}"
    for task in ${decode_tasks}; do
      out="${expdir}/decode/${x}_${task}"
      [ -f "${out}/.done" ] && continue
      if [ "${task}" = st ] && [ ! -f "${data}/text_tgt" ]; then continue; fi
      device=cpu; [ "${inference_ngpu}" -gt 0 ] && device=cuda
      ${decode_cmd} --gpu "${inference_ngpu}" JOB=1:"${inference_nj}" "${out}/logdir/decode.JOB.log" \
        python -m fama_espnet.bin.decode --model "${step2_dir}" --data "${data}/split${inference_nj}/JOB" \
          --task "${task}" --config "${decode_config}" --batch_seconds "${decode_batch_seconds}" \
          --device "${device}" --output "${out}/logdir/output.JOB"
      python -m fama_espnet.bin.merge_decodes --parts "${out}"/logdir/output.* --output "${out}" \
        --config "${decode_config}" --model "${step2_dir}"
    done
  done
  stage_end 10 "decoding"
fi

if run_stage 11; then
  stage_start 11 "scoring: WER (ASR), BLEU and chrF (ST) -> RESULTS.md"
  for x in ${test_sets}; do
    for task in ${decode_tasks}; do
      out="${expdir}/decode/${x}_${task}"
      [ -f "${out}/.done" ] && python -m fama_espnet.bin.score --data "${dumpdir}/raw/${x}" --task "${task}" \
        --decode_dir "${out}"
    done
  done
  python -m fama_espnet.bin.results --decode_root "${expdir}/decode" --train_dirs "${step1_dir}" "${step2_dir}" \
    --timing "${timing}" --command "${results_command}" --out RESULTS.md
  stage_end 11 "scoring"
fi

if run_stage 12; then
  stage_start 12 "packing ${expdir}/${model_name}.zip"
  python -m fama_espnet.bin.pack --config "${step2_dir}/config.yaml" --model_file "${step2_dir}/model.pth" \
    --outpath "${expdir}/${model_name}.zip" --option RESULTS.md
  python -c "from fama_espnet.inference import FamaSpeech2Text as S; S.from_pretrained('${expdir}/${model_name}.zip')" \
    && log "the packed model loads"
  stage_end 12 "packing"
fi
log "Successfully finished stages ${stage}-${stop_stage}"
