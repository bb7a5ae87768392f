"""The evaluation recipe (examples/evaluate) prints the ground-truth row beside the produced row."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("torch")


def test_evaluation_table_has_the_ground_truth_row(data, tmp_path):
    flags = "--d-model 32 --heads 2 --layers 1 --feed-forward 64 --max-steps 30 --batch-size 16 --checkpoint-every 0"
    result = subprocess.run(["make", "-s", "-C", str(ROOT / "examples" / "evaluate"), f"DATA={data}",
                             f"OUT={tmp_path / 'out'}", f"SIGNKIT={shlex.quote(sys.executable)} -m signkit",
                             f"PYTHON={shlex.quote(sys.executable)}", f"BT_FLAGS={flags}"],
                            capture_output=True, timeout=900)  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    lines = result.stdout.decode().splitlines()
    assert lines[0].split() == ["system", "BLEU-4", "ROUGE-L", "DTW"]
    rows = {line.split()[0]: [float(v) for v in line.split()[1:]] for line in lines[1:]}
    assert list(rows) == ["ground-truth", "produced"]
    assert rows["ground-truth"][2] == 0.0  # the real poses against themselves
    assert rows["produced"][2] > 0.0
    assert all(0.0 <= value <= 100.0 for row in rows.values() for value in row[:2])
    texts = (tmp_path / "out" / "test.text").read_text(encoding="utf-8").splitlines()
    assert len(texts) == 16 and all(texts)  # the DGS test sentences with their English texts
