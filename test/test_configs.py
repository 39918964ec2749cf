"""The FAMA configs: every one parses and builds the model FAMA's paper describes."""
from pathlib import Path

import pytest
import torch

from fama_espnet.task import FamaTask, load_config

CONF = Path(__file__).resolve().parents[1] / "conf"
# FAMA's vocabulary: 16000 sentencepiece ids (+ specials) and the CTC blank.
TOKENS = ["<blank>", "<unk>", "<lang:en>", "<lang:it>"] + [f"p{i}" for i in range(15996)] + ["<sos/eos>"]


@pytest.mark.parametrize("name,millions", [("small_asr", 474.8), ("small", 474.8),
                                           ("medium_asr", 878.3), ("medium", 878.3)])
def test_parameter_count_matches_paper(name, millions):
    args = load_config(CONF / f"train_fama_{name}.yaml", token_list=TOKENS)
    with torch.device("meta"):
        model = FamaTask.build_model(args)
    n = sum(p.numel() for p in model.parameters()) / 1e6
    assert abs(n - millions) / millions < 0.002, n


@pytest.mark.parametrize("size", ["small", "medium"])
def test_step2_differs_from_step1_only_where_fama_does(size):
    a = vars(load_config(CONF / f"train_fama_{size}_asr.yaml"))
    b = vars(load_config(CONF / f"train_fama_{size}.yaml"))
    diff = {k for k in a if a[k] != b[k]}
    allowed = {"model_conf", "optim_conf", "scheduler", "scheduler_conf", "accum_grad", "batch_bins", "config",
               "num_iters_per_epoch"}  # 1000 updates of accum_grad micro-batches
    assert diff <= allowed, diff - allowed
    assert a["model_conf"]["p_asr"] == 1.0 and b["model_conf"]["p_asr"] == 0.5
    assert b["scheduler"] is None  # --lr-scheduler fixed
    assert b["optim_conf"]["lr"] == {"small": 1e-4, "medium": 1e-5}[size]


@pytest.mark.parametrize("size", ["small", "medium"])
def test_shared_hyperparameters(size):
    a = load_config(CONF / f"train_fama_{size}_asr.yaml")
    assert a.optim == "adamw" and a.optim_conf["betas"] == [0.9, 0.98]
    assert a.optim_conf["weight_decay"] == 0.001 and a.grad_clip == 10.0
    assert a.model_conf["lsm_weight"] == 0.1
    assert (a.model_conf["interctc_weight"], a.model_conf["att_weight"], a.model_conf["ctc_weight"]) == (1.0, 5.0, 2.0)
    assert a.num_iters_per_epoch == 1000 * a.accum_grad and a.keep_nbest_models == 25  # 1000 updates
    assert a.frontend_conf["n_mels"] == 80 and a.normalize == "utterance_mvn"
    assert a.encoder_conf["interctc_layer_idx"] == [{"small": 8, "medium": 16}[size]]
