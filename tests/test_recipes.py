"""examples/: every recipe is in the index (examples/README.md) and in `make -C examples smoke`."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
RECIPES = sorted(path.parent.name for path in EXAMPLES.glob("*/Makefile"))


def test_every_recipe_is_indexed_with_its_command():
    index = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert RECIPES == ["ablation", "evaluate", "g2p", "how2sign", "render", "subtitles", "t2g"]
    for name in RECIPES:
        assert f"]({name}/README.md)" in index, name
        assert f"`make -C examples/{name}" in index, name
        assert (EXAMPLES / name / "README.md").is_file(), name


def test_smoke_runs_every_recipe_into_its_own_folder(tmp_path):
    """A dry run (make -n still runs the recursive makes, printing their commands)."""
    result = subprocess.run(["make", "-n", "-C", str(EXAMPLES), "smoke", f"OUT={tmp_path}", "SIGNKIT=signkit"],
                            capture_output=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    for name in RECIPES:
        assert f"Entering directory '{EXAMPLES / name}'" in out, name
        assert f"OUT={tmp_path}/smoke/{name}" in out, name
    # each recipe's own commands are reached, not only its directory
    for command in ("signkit extract --from openpose", "signkit train-t2p", "signkit train-t2g", "signkit train-g2p",
                    "signkit train-bt", "signkit train-diff", "signkit t2p"):  # fmt: skip
        assert command in out, command
