"""The ablation recipe (examples/ablation) trains every variant of SignDiff's Table 3 and prints one
table, whose figures are those of the files it writes, recomputed here without signkit's measures."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from signkit.evaluate.backtranslation import backtranslate
from signkit.pose.io import read_sequences
from references import plain_dtw_score, read_skels, slt_bleu, slt_rouge

ROOT = Path(__file__).resolve().parents[1]


def test_ablation_table(data, tmp_path):
    """Three variants trained for real (the base, one switch, the defaults), to keep the suite short."""
    flags = "--d-model 16 --heads 2 --layers 1 --feed-forward 32 --max-steps 10 --batch-size 8 --validate-every 0 --checkpoint-every 0"
    # an evaluator trained long enough to write training sentences, not 200 tokens of noise a sequence
    bt = "--d-model 32 --heads 2 --layers 1 --feed-forward 64 --max-steps 150 --batch-size 8 --learning-rate 3e-3 --warmup-steps 10 --checkpoint-every 0"
    out = tmp_path / "out"
    result = subprocess.run(["make", "-s", "-j", "2", "-C", str(ROOT / "examples" / "ablation"), f"DATA={data}",
                             f"OUT={out}", f"SIGNKIT={shlex.quote(sys.executable)} -m signkit", f"FLAGS={flags}",
                             f"BT_FLAGS={bt}", "VARIANTS=base counter all"], capture_output=True, timeout=900)  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    lines = result.stdout.decode().splitlines()
    assert lines[0].split() == ["variant", "DTW", "BLEU-4", "ROUGE-L"]
    rows = {line.split()[0]: [float(v) for v in line.split()[1:]] for line in lines[1:]}
    assert list(rows) == ["ground-truth", "base", "counter", "all"]
    # each row's figures are those of its files (the table prints 4 decimals): the plain DTW of its
    # poses against the real dev poses, read as text, and its back-translation scored with
    # sacrebleu and rouge-score (--slt settings) against the dev text; that back-translation is
    # the evaluator's reading of the row's own poses
    dev = data / "phoenix14t" / "sample" / "dev.skels"
    references = dev.with_suffix(".text").read_text(encoding="utf-8").splitlines()
    poses = {"ground-truth": dev, **{name: out / f"{name}.skels" for name in list(rows)[1:]}}
    for name, path in poses.items():
        hypotheses = (out / f"{name}.bt.txt").read_text(encoding="utf-8").splitlines()
        assert hypotheses == backtranslate(list(read_sequences(path)), out / "bt")
        dtw = np.mean([plain_dtw_score(r, h) for r, h in zip(read_skels(dev), read_skels(path), strict=True)])
        assert rows[name] == pytest.approx([dtw, slt_bleu(hypotheses, references), slt_rouge(hypotheses, references)],
                                           abs=5e-5)  # fmt: skip
    assert rows["ground-truth"][0] == 0.0 and all(row[0] > 0 for name, row in rows.items() if name != "ground-truth")
    # every variant's poses are its own model's: no two alike
    produced = {name: (out / f"{name}.skels").read_text(encoding="utf-8") for name in list(rows)[1:]}
    assert all(produced[a] != produced[b] for a, b in combinations(produced, 2))
    # each variant is the base with its own switch
    configs = {name: json.loads((out / name / "config.json").read_text(encoding="utf-8"))["config"] for name in list(rows)[1:]}
    assert configs["base"]["future_prediction"] == 0 and not configs["base"]["masked_loss"]
    assert configs["counter"]["counter"] and configs["counter"]["future_prediction"] == 0
    assert configs["all"]["masked_loss"] and configs["all"]["future_prediction"] == 10


def test_every_variant_of_table_3_is_trained_with_its_switch(tmp_path):
    result = subprocess.run(["make", "-n", "-C", str(ROOT / "examples" / "ablation"), f"OUT={tmp_path}", "SIGNKIT=signkit"],
                            capture_output=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    commands = {line.split(" -o ")[1].split()[0].rsplit("/", 1)[1]: line for line in result.stdout.decode().splitlines()
                if line.startswith("signkit train-t2p")}  # fmt: skip
    switches = {"base": "--weight-norm-lambda 0", "fp": "--future-prediction 10", "counter": "--counter",
                "gn": "--gaussian-noise 5", "fp-gn": "--future-prediction 10 --gaussian-noise 5",
                "scale": "--loss-scale 100 --weight-norm-lambda 0.01", "bo-co": "--masked-loss"}  # fmt: skip
    assert sorted(commands) == sorted([*switches, "all"])
    for variant, switch in switches.items():
        assert commands[variant].rstrip().endswith(switch), commands[variant]
    assert commands["all"].rstrip().endswith("--checkpointing-steps 0")  # the defaults, nothing switched
