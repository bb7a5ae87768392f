"""Neural-network building blocks shared by the models of several stages (the text-to-pose
transformer, the back-translation model): torch is imported inside each function."""

from __future__ import annotations

import math


def sinusoidal(length: int, width: int):
    """Sinusoidal positional encoding (Vaswani et al., 2017, "Attention Is All You Need").

    Args:
        length: number of positions (time steps).
        width: model width; even columns get sines, odd columns cosines.

    Returns:
        A float32 ``torch.Tensor`` of shape (length, width).
    """
    import torch

    position = torch.arange(length, dtype=torch.float32)[:, None]
    scale = torch.exp(torch.arange(0, width, 2, dtype=torch.float32) * (-math.log(10000.0) / width))
    table = torch.zeros(length, width)
    table[:, 0::2] = torch.sin(position * scale)
    table[:, 1::2] = torch.cos(position * scale[: width // 2])
    return table
