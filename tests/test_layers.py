"""The allowed import directions of the package, written down once (here) and kept by a test.

signkit is a library by pipeline stage under a thin command layer, and imports run downwards
only. ``LAYERS`` lists the top-level modules and packages of ``signkit``, lowest first; a module
may import its own package and anything on a lower layer, never a higher layer or another
package of its own layer. Every import counts, including those inside functions (the lazy imports
that keep start-up fast). ``from signkit import __version__`` is allowed everywhere; the library
API in ``signkit/__init__.py`` names its functions as strings and imports nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "signkit"

LAYERS = (
    {"errors", "log"},  # the one error type, and stderr logging
    {"text"},  # text in: lines, SRT/WebVTT, annotation CSVs, English-to-gloss rules
    {"pose"},  # THE data model: sequence, layouts, conversions, formats, motion
    {"video"},  # video frames in and out (PyAV), PNG frames
    {"layers", "modelfolder", "train"},  # shared network layers, model folders, the training loop
    {"prep"},  # video -> keypoints, 2D -> 3D, cleaning
    {"lexicons"},  # pose prior database: corpora, lookup, fingerspelling, stitching
    {"evaluate"},  # scores and the back-translation model: imports no producer
    {"gloss", "renderer", "transformer"},  # producers: SLUL, the renderers, SignDiff's transformer
    {"moe"},  # SLP-MoE, over the lexicon's pose prior database
    {"pipelines"},  # text to pose end to end: rules, transformer, hierarchy; subtitle timing
    {"commands"},  # one small module per command
    {"cli"},  # the app: registers the commands, one error handler
    {"__main__", "manpages"},  # python -m signkit, and the man pages generated from the app
)
LAYER = {name: number for number, names in enumerate(LAYERS) for name in names}


def signkit_imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) of every ``signkit`` import in a file, ``from signkit import x``
    read as ``signkit.x``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith("signkit.")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "signkit":
                found += [(node.lineno, f"signkit.{alias.name}") for alias in node.names if alias.name != "__version__"]
            elif node.module.startswith("signkit."):
                found.append((node.lineno, node.module))
    return found


def violations(root: Path = PACKAGE) -> list[str]:
    """Every import against ``LAYERS`` under ``root``, as ``file:line: a -> b (why)``."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts == ("__init__",):
            continue  # the library API: names as strings only (checked by test_api)
        own = parts[0]
        if own not in LAYER:
            problems.append(f"{path}: {own} is on no layer; add it to LAYERS in {__file__}")
            continue
        for line, module in signkit_imports(path):
            target = module.split(".")[1]
            if target == own:
                continue
            if target not in LAYER:
                problems.append(f"{path}:{line}: imports {module}, on no layer")
            elif LAYER[target] >= LAYER[own]:
                where = "the same layer" if LAYER[target] == LAYER[own] else "a higher layer"
                problems.append(f"{path}:{line}: {own} imports {module}, on {where}")
    return problems


def test_imports_run_downwards() -> None:
    problems = violations()
    assert not problems, "imports against the layers:\n" + "\n".join(problems)


def test_an_upward_import_is_caught(tmp_path: Path) -> None:
    """The check can fail: pose importing the lexicon, or a package of its own layer, is named."""
    (tmp_path / "pose").mkdir()
    (tmp_path / "pose" / "motion.py").write_text("def f():\n    from signkit.lexicons.stitch import stitch\n")
    (tmp_path / "gloss").mkdir()
    (tmp_path / "gloss" / "slul.py").write_text("from signkit import renderer\nfrom signkit.pose import io\n")
    problems = violations(tmp_path)
    assert len(problems) == 2
    assert any(p.endswith("motion.py:2: pose imports signkit.lexicons.stitch, on a higher layer") for p in problems)
    assert any(p.endswith("slul.py:1: gloss imports signkit.renderer, on the same layer") for p in problems)


@pytest.mark.parametrize("name", sorted(LAYER))
def test_every_layer_exists(name: str) -> None:
    assert (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file(), f"LAYERS names {name}, which is gone"
