"""The ablation recipe (examples/ablation) trains every variant of SignDiff's Table 3 and prints one table."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("torch")


def test_ablation_table(data, tmp_path):
    """Three variants trained for real (the base, one switch, the defaults), to keep the suite short."""
    flags = "--d-model 16 --heads 2 --layers 1 --feed-forward 32 --max-steps 10 --batch-size 8 --validate-every 0 --checkpoint-every 0"
    bt = "--d-model 16 --heads 2 --layers 1 --feed-forward 32 --max-steps 10 --batch-size 8 --checkpoint-every 0"
    out = tmp_path / "out"
    result = subprocess.run(["make", "-s", "-j", "2", "-C", str(ROOT / "examples" / "ablation"), f"DATA={data}",
                             f"OUT={out}", f"SIGNKIT={shlex.quote(sys.executable)} -m signkit", f"FLAGS={flags}",
                             f"BT_FLAGS={bt}", "VARIANTS=base counter all"], capture_output=True, timeout=900)  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    lines = result.stdout.decode().splitlines()
    assert lines[0].split() == ["variant", "DTW", "BLEU-4", "ROUGE-L"]
    rows = {line.split()[0]: [float(v) for v in line.split()[1:]] for line in lines[1:]}
    assert list(rows) == ["ground-truth", "base", "counter", "all"]
    assert rows["ground-truth"][0] == 0.0 and all(row[0] > 0 for name, row in rows.items() if name != "ground-truth")
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
