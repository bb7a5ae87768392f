"""Model folders: ``save_pretrained`` / ``from_pretrained`` of every trained signkit model, written once.

A model folder holds ``config.json``: ``{"model": KIND, "config": the model's config dataclass,
..., "signkit": version, "options": the resolved options that made it}``; ``model.safetensors``,
the weights; and beside them what each model needs to read its input and write its output
(vocabularies, tokenizers, a layout), written and read by the model's own hooks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields
from pathlib import Path

from signkit import __version__
from signkit.errors import SignkitError, first_line

CONFIG = "config.json"
WEIGHTS = "model.safetensors"


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
    from safetensors import SafetensorError  # a truncated or damaged model.safetensors

    folder = Path(folder)
    try:
        meta = json.loads((folder / CONFIG).read_text(encoding="utf-8"))
        if meta.get("model") != kind:
            raise SignkitError(f"{folder}: not a {description} (config.json says {meta.get('model')!r})")
        names = {f.name for f in fields(config_class)}
        yield config_class(**{k: v for k, v in meta["config"].items() if k in names}), meta
    except SignkitError:
        raise
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, SafetensorError) as error:
        raise SignkitError(f"{folder}: not a readable {description} ({type(error).__name__}: {first_line(error)})") from None


class ModelFolderMixin:
    """``save_pretrained`` and ``from_pretrained`` for a ``torch.nn.Module`` built from a config
    dataclass (the diffusers and transformers convention, on a local folder only).

    A model class sets ``kind`` (``config.json``'s ``"model"``), ``description`` (for errors) and
    ``config_class``, keeps its config as ``self.config``, and may override the hooks
    :meth:`save_assets` and :meth:`load_assets` (the files beside the weights) and
    :meth:`weights_module` (the module whose state ``model.safetensors`` holds).
    """

    kind: str
    description: str
    config_class: type

    def weights_module(self):
        """The module whose weights ``model.safetensors`` holds: the model itself."""
        return self

    def save_assets(self, folder: Path) -> dict:
        """Write the files beside the weights; returns keys to add to ``config.json``."""
        return {}

    def load_assets(self, folder: Path, meta: dict, device: str) -> None:
        """Read the files beside the weights (``meta``: the whole ``config.json``)."""

    def save_pretrained(self, folder: str | Path, options: dict | None = None) -> None:
        """Write a model folder (created): the weights, the assets, then ``config.json`` with
        ``options``, the resolved options that made the model."""
        from safetensors.torch import save_model

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        save_model(self.weights_module(), str(folder / WEIGHTS))
        extra = self.save_assets(folder)
        write_config(folder, self.kind, self.config, options or {}, **extra)

    @classmethod
    def from_pretrained(cls, folder: str | Path, device: str = "cpu"):
        """Read a model folder: the model on ``device``, in evaluation mode.

        Raises:
            SignkitError: not a folder of this kind of model, or unreadable files.
        """
        from safetensors.torch import load_model

        folder = Path(folder)
        with model_folder(folder, cls.kind, cls.config_class, cls.description) as (config, meta):
            model = cls(config)
            load_model(model.weights_module(), str(folder / WEIGHTS))
            model.load_assets(folder, meta, device)
        return model.to(device).eval()
