"""What a stage output was made from (fama_espnet/provenance.py): a data output made from
the same inputs is skipped, one made otherwise refused naming each difference and the
dir to remove; identities change with what they identify and only with it."""
import os

import pytest

from fama_espnet import provenance
from fama_espnet.files import building_dir


def test_data_outputs_skip_or_refuse(tmp_path):
    out = tmp_path / "filtered"
    made = {"src": "dump/raw/train (abc)", "max_seconds": 30.0}
    assert provenance.check_data_output(out, made, "filter_data") is False  # not built yet
    with building_dir(out, provenance.stamp(made)):
        pass
    assert provenance.check_data_output(out, dict(made), "filter_data") is True
    with pytest.raises(provenance.StaleOutput) as e:
        provenance.check_data_output(out, {**made, "max_seconds": 20.0, "min_seconds": 0.1}, "filter_data")
    assert "max_seconds: 30.0 then, 20.0 now" in str(e.value) and "min_seconds: '<none>' then, 0.1 now" in str(e.value)
    assert f"Remove {out}" in str(e.value)
    (out / ".done").write_text("an older mark\n")  # not a mapping: matches nothing
    assert not provenance.is_current(out, made)


def test_identities_follow_content(tmp_path):
    user = tmp_path / "data"
    user.mkdir()
    (user / "text").write_text("a hello\n")
    first = provenance.dir_identity(user)
    os.utime(user / "text", ns=(1, 1))  # rewritten unchanged: the same dir
    assert provenance.dir_identity(user) == first
    (user / "text").write_text("a hello there\n")
    assert provenance.dir_identity(user) != first
    built = tmp_path / "built"
    with building_dir(built, provenance.stamp({"src": first})):
        pass
    again = provenance.dir_identity(built)
    with building_dir(built, provenance.stamp({"src": provenance.dir_identity(user)})):
        pass
    assert provenance.dir_identity(built) != again  # an input upstream changed
    model = tmp_path / "model.pth"
    model.write_bytes(b"weights")
    before = provenance.file_identity(model)
    os.utime(model, ns=(2, 2))  # re-averaged or retrained: decodes of it are redone
    assert provenance.file_identity(model) != before
    provenance.mark_file(model, {"checkpoints": ["1epoch.pth"]})
    assert provenance.is_current_file(model, {"checkpoints": ["1epoch.pth"]})
    assert not provenance.is_current_file(model, {"checkpoints": ["2epoch.pth"]})
