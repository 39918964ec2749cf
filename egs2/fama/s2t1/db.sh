# shellcheck shell=bash disable=SC2034  # sourced: local/data.sh reads these
# Where the corpora are on this machine: one variable per corpus (ESPnet's db.sh).
# Leave a variable empty when you do not have the corpus; local/data.sh names, in one
# message, every one that the sets you ask for need. Relative paths are relative to
# this recipe dir.

# ---- training and validation data: FBK's fairseq speech-to-text manifests
# The data root ($DATAROOT of FBK-fairseq fbk_works/FAMA.md, from FBK-MT/fama-data): one
# <subset>.tsv per subset named in its training commands (train_commonvoice-en.tsv,
# train_st_covost2-it_en_gold.tsv, dev_commonvoice-en.tsv, ...), columns
# id audio n_frames tgt_text src_text speaker src_lang tgt_lang.
FAMA_DATA=
# What the manifests' relative audio paths are relative to (fairseq's audio_root).
# Empty: the audio_root of ${FAMA_DATA}/config.yaml if it sets one, else FAMA_DATA.
FAMA_AUDIO_ROOT=

# ---- test sets, from each corpus's own release (layouts: fama_espnet/data/test_sets.py)
COMMONVOICE_EN=    # a Common Voice release's English dir (cv-corpus-*/en): clips/, test.tsv
COMMONVOICE_IT=    # the same for Italian (cv-corpus-*/it)
LIBRISPEECH=       # LibriSpeech/ (openslr 12): test-clean/, test-other/
MLS_EN=            # mls_english or mls_english_opus (openslr 94): test/transcripts.txt, test/audio/
MLS_IT=            # mls_italian or mls_italian_opus
VOXPOPULI=         # VoxPopuli root after `voxpopuli.get_asr_data --lang en` / `--lang it`: transcribed_data/
FLEURS=            # google/fleurs data/: en_us/ and it_it/, each test.tsv + audio/test/*.wav
COVOST2=           # dir with covost_v2.it_en.test.tsv (CoVoST 2's get_covost_splits.py)
COVOST2_CLIPS_IT=  # Common Voice Italian clips/ holding CoVoST 2's audio (empty: ${COMMONVOICE_IT}/clips)
