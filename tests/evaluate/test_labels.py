"""labels.csv: a bad file is an error that names the line and the rule."""

from __future__ import annotations

import pytest

from aisac.evaluate.labels import LabelError, read_labels

HEADER = "account_id,label,persona,campaign\n"


@pytest.mark.parametrize(("text", "where", "rule"), [
    ("account,label,persona,campaign\na,benign,hobbyist,\n", ":1:", "header must be account_id,label,persona,campaign"),
    ("", ":1:", "got (empty)"),
    (HEADER + "a,benign,hobbyist,\nb,evil,hydra_cot,C1\n", ":3:",
     "label must be one of benign, distillation, got 'evil'"),
    (HEADER + "a,benign,hobbyist,\nb,benign,developer,\na,benign,hobbyist,\n", ":4:", "account_id 'a' appears twice"),
    (HEADER + "a,benign,hobbyist\n", ":2:", "expected 4 fields, got 3"),
    (HEADER + ",benign,hobbyist,\n", ":2:", "account_id is empty"),
    (HEADER + "a,distillation,hydra_cot,\n", ":2:", "a distillation account needs a campaign"),
], ids=["bad-header", "empty-file", "bad-label", "duplicate-account", "short-row", "empty-account", "no-campaign"])
def test_bad_labels_name_the_line(tmp_path, text, where, rule):
    path = tmp_path / "labels.csv"
    path.write_text(text)
    with pytest.raises(LabelError) as err:
        read_labels(path)
    assert f"{path}{where}" in str(err.value) and rule in str(err.value)


def test_good_labels_read(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text(HEADER + "a,benign,hobbyist,\nb,distillation,hydra_cot,C01-hydra_cot\n")
    table = read_labels(path)
    assert table.to_pylist() == [
        {"account_id": "a", "label": "benign", "persona": "hobbyist", "campaign": None},
        {"account_id": "b", "label": "distillation", "persona": "hydra_cot", "campaign": "C01-hydra_cot"},
    ]


def test_missing_labels_file(tmp_path):
    with pytest.raises(LabelError, match="cannot read"):
        read_labels(tmp_path / "nope.csv")
