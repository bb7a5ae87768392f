"""Documentation: man pages match the real help, every command is documented, examples run."""

from __future__ import annotations

import importlib
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from signkit.manpages import pages

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ["info", "convert", "extract", "lift3d", "clean", "lexicon", "train-t2g", "t2g", "train-g2p", "train-t2p", "t2p",
            "render", "frnet", "train-diff", "score", "train-bt", "backtranslate"]


def test_man_pages_are_up_to_date():
    expected = pages()
    written = {path.name: path.read_text(encoding="utf-8") for path in (ROOT / "man").glob("*.1")}
    assert written == expected, "man pages are stale: run `make man`"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_documented(name):
    module = importlib.import_module(f"signkit.commands.{name.replace('-', '_')}")
    assert module.__doc__ and len(module.__doc__.strip()) > 40
    assert module.EXAMPLES
    assert f"signkit {name}" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", COMMANDS)
def test_examples_run(name, data, tmp_path):
    module = importlib.import_module(f"signkit.commands.{name.replace('-', '_')}")
    shared = str(data.parent)
    for example in module.EXAMPLES:
        command = example.replace("../shared", shlex.quote(shared))
        command = re.sub(r"(^|\| |&& )signkit ", lambda m: f"{m.group(1)}{shlex.quote(sys.executable)} -m signkit ", command)
        if "dev.h5" in command and "-o dev.h5" not in command:
            subprocess.run([sys.executable, "-m", "signkit", "convert", f"{shared}/data/phoenix14t/sample/dev.skels",
                            "-o", "dev.h5"], cwd=tmp_path, check=True, timeout=300)  # fmt: skip
        result = subprocess.run(["bash", "-c", f"set -o pipefail; {command}"], cwd=tmp_path, capture_output=True,
                                timeout=600)  # fmt: skip
        assert result.returncode == 0, f"{example}\n{result.stderr.decode()}"
