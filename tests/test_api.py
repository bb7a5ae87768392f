"""The library API: every command has a Python function of the same name, and ``import signkit``
stays cheap (no torch, numpy or command line until a function is used)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import signkit
from signkit.cli import COMMANDS

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_its_library_function(command: str) -> None:
    name = command.replace("-", "_")
    assert name in signkit.API and name in dir(signkit)
    function = getattr(signkit, name)
    assert callable(function) and function.__name__ == name, signkit.API[name]
    assert function.__doc__ and "Args:" in function.__doc__, f"{name}: its arguments are not documented"


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        signkit.nonsense  # noqa: B018


def test_import_signkit_is_cheap() -> None:
    """Naming a function imports its module, but no torch, OpenCV, diffusers or command line:
    those load when a function needs them."""
    code = ("import sys, signkit\nsignkit.t2p, signkit.render, signkit.score, signkit.train_t2p\n"
            "print(sorted(m for m in ('torch', 'cv2', 'typer', 'diffusers') if m in sys.modules))")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["[]"], result.stdout


def test_readme_python_example_runs(data: Path, tmp_path: Path) -> None:
    """The README's Python example makes the main job's video from the library."""
    (block,) = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    code = block.replace("../shared/data", str(data))
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True, timeout=300)
    sequences = list(signkit.read(tmp_path / "hello.h5"))
    assert [s.gloss for s in sequences] == ["HELLO THANK-YOU"]
    import av

    with av.open(str(tmp_path / "hello.mp4")) as video:
        frames = sum(1 for _ in video.decode(video=0))
    assert frames == sequences[0].frames
