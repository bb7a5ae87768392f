"""Summaries of pose files for ``signkit info``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from signkit.pose.io import STDIN_NAME, is_stdio, open_sequences
from signkit.pose.layouts import component_slice


def info(path: str | Path | None, fmt: str | None = None) -> dict:
    """Describe the sequences of a pose file or of standard input.

    Args:
        path: the file, or ``-``/None for standard input.
        fmt: the format (``skels``, ``pose``, ``h5``, ...), or None to tell it from the name or
            the first bytes.

    Returns:
        A dict with ``file``, ``format``, ``layouts`` (sorted names), ``sequences``, ``frames``
        (total), ``frames_min``/``frames_max``, ``fps`` (distinct values), ``seconds`` (total
        duration) and ``missing``: per component, the share of points with confidence 0 over all
        frames (0.0 to 1.0).

    Raises:
        SignkitError: as :func:`signkit.pose.io.read_sequences`.
    """
    fmt, sequences = open_sequences(path, fmt)
    layouts, fps, lengths, seconds = set(), set(), [], 0.0
    missing: dict[str, list[float]] = {}
    for sequence in sequences:
        layouts.add(sequence.layout)
        fps.add(round(sequence.fps, 3))
        lengths.append(sequence.frames)
        seconds += sequence.frames / sequence.fps
        confidence = np.asarray(sequence.pose.body.confidence[:, 0])
        for component in sequence.pose.header.components:
            points = confidence[:, component_slice(sequence.pose.header, component.name)]
            counts = missing.setdefault(component.name, [0.0, 0.0])
            counts[0] += float((points == 0).sum())
            counts[1] += points.size
    return {
        "file": STDIN_NAME if is_stdio(path) else str(path),
        "format": fmt,
        "layouts": sorted(layouts),
        "sequences": len(lengths),
        "frames": int(sum(lengths)),
        "frames_min": int(min(lengths)),
        "frames_max": int(max(lengths)),
        "fps": sorted(fps),
        "seconds": seconds,
        "missing": {name: (n / total if total else 0.0) for name, (n, total) in missing.items()},
    }
