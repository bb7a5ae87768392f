"""signkit: composable commands for Sign Language Production, and the library behind them.

Every command has a Python function of the same name (``train-t2p`` -> ``signkit.train_t2p``)
that does its work on Python objects: sequences (:class:`signkit.pose.sequence.Sequence`, a
``pose_format.Pose`` with a name, text and gloss) in and out, files where the work is about files.
``import signkit`` is cheap: a function's module (and with it numpy, torch or diffusers) is
imported the first time the function is used.

    import signkit

    sequences = signkit.t2p("Hello, thank you.", lexicons=["../shared/data/asl-lexicon"])
    signkit.render(sequences, "hello.mp4")

``signkit.read`` and ``signkit.write`` read and write pose files of every format (``.pose``,
``.h5``, ``.skels``). The layers of the package and the directions its imports may take are
written down in ``tests/test_layers.py``.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# Function name -> "module:attribute" of the library function behind it.
API = {
    "info": "signkit.pose.info:info",
    "convert": "signkit.pose.convert:convert",
    "extract": "signkit.prep.extract:extract",
    "lift3d": "signkit.prep.lift:lift3d",
    "clean": "signkit.prep.clean:clean",
    "lexicon": "signkit.lexicons.corpus:lexicon",
    "train_t2g": "signkit.gloss.slul:train_t2g",
    "t2g": "signkit.gloss.slul:t2g",
    "train_g2p": "signkit.moe.training:train_g2p",
    "train_t2p": "signkit.transformer.train:train_t2p",
    "t2p": "signkit.pipelines.t2p:t2p",
    "render": "signkit.renderer.render:render",
    "frnet": "signkit.renderer.frnet:frnet",
    "train_diff": "signkit.renderer.training:train_diff",
    "score": "signkit.evaluate.scores:score",
    "train_bt": "signkit.evaluate.backtranslation:train_bt",
    "backtranslate": "signkit.evaluate.backtranslation:backtranslate",
    "read": "signkit.pose.io:read_sequences",
    "write": "signkit.pose.io:write_sequences",
}
__all__ = ["__version__", *API]


def __getattr__(name: str):
    """Import the function ``name`` of :data:`API` on first use (PEP 562)."""
    if name not in API:
        raise AttributeError(f"module 'signkit' has no attribute {name!r}")
    module, attribute = API[name].split(":")
    function = getattr(importlib.import_module(module), attribute)
    globals()[name] = function
    return function


def __dir__() -> list[str]:
    return sorted(__all__)
