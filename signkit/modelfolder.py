"""Model folders: the ``config.json`` every trained signkit model writes and reads the same way.

``config.json`` holds ``{"model": KIND, "config": the model's config dataclass, ..., "signkit":
version, "options": the resolved options that made it}``; weights, vocabularies and tokenizers
lie beside it, as each model's ``save`` writes them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields
from pathlib import Path

from signkit import __version__
from signkit.errors import SignkitError

CONFIG = "config.json"


def write_config(folder: Path, kind: str, config, options: dict, **extra) -> None:
    """Write ``folder/config.json`` for a model of ``kind`` (``extra`` keys go in beside the config)."""
    meta = {"model": kind, "config": asdict(config), **extra, "signkit": __version__, "options": options}
    (folder / CONFIG).write_text(json.dumps(meta, indent=1), encoding="utf-8")


@contextmanager
def model_folder(folder: str | Path, kind: str, config_class, description: str) -> Iterator[tuple[object, dict]]:
    """Open a model folder: yields ``(config, meta)``, the ``config_class`` of its ``config.json``
    (unknown keys ignored) and the whole JSON. Any failure to read the folder, in the ``with``
    body too, becomes one error naming it.

    Raises:
        SignkitError: ``config.json`` names another kind of model, or a file is missing or
            unreadable ("FOLDER: not a readable DESCRIPTION (...)").
    """
    folder = Path(folder)
    try:
        meta = json.loads((folder / CONFIG).read_text(encoding="utf-8"))
        if meta.get("model") != kind:
            raise SignkitError(f"{folder}: not a {description} (config.json says {meta.get('model')!r})")
        names = {f.name for f in fields(config_class)}
        yield config_class(**{k: v for k, v in meta["config"].items() if k in names}), meta
    except SignkitError:
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as error:
        raise SignkitError(f"{folder}: not a readable {description} ({type(error).__name__}: {error})") from None
