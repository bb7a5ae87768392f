"""SLP-MoE inference: a gloss sequence to signing (Stable Signer's gloss-to-pose stage)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from signkit.moe.database import query_embeddings
from signkit.moe.network import SLPMoE, as_tensor, assemble, blend, log_lengths, refine, weigh
from signkit.pose.motion import low_pass, transition_frames


@dataclass
class Plan:
    """A gloss sequence's signs before assembly (:func:`plan`).

    Attributes:
        clips: per gloss, its blended clip (frames, points, 3), as long as its predicted duration.
        covered: per gloss, whether the exact or the lemma expert found a clip of it.
        gaps: frames of the transition between each two consecutive clips.
    """

    clips: list[torch.Tensor]
    covered: list[bool]
    gaps: list[int]


def plan(model: SLPMoE, glosses: list[str], text: str | None = None) -> Plan:
    """The experts' blended clips of at least one gloss, their durations and the transitions
    between them (see :mod:`signkit.moe.network`), without gradients."""
    config, database = model.config, model.database
    device = model.rest.device
    with torch.no_grad():
        candidates = [database.candidates(g, config.candidates) for g in glosses]
        sentence, _, gloss_vectors = query_embeddings(database.encoder, glosses, text)
        queries, weights = weigh(model, as_tensor(sentence, device), as_tensor(gloss_vectors, device), candidates)
        durations = [int(np.clip(round(math.exp(float(f))), 2, config.max_gloss_frames))
                     for f in log_lengths(model, queries, candidates, weights)]  # fmt: skip
        clips = [blend(c, w, d, device, model.rest) for c, w, d in zip(candidates, weights, durations)]
    gaps = [transition_frames(a[-1].cpu().numpy(), b[0].cpu().numpy(), config.fps) for a, b in zip(clips, clips[1:])]
    return Plan(clips, [bool(found[0] or found[1]) for found in candidates], gaps)


def produce(model: SLPMoE, glosses: list[str], text: str | None = None) -> np.ndarray:
    """One gloss sequence to signing: PT-50, with the face when the model has one.

    Args:
        model: from :meth:`SLPMoE.from_pretrained` (or training), with the database it retrieves from.
        glosses: the glosses in order (an empty list gives the rest pose for ``lead_in +
            lead_out + 1`` frames).
        text: the sentence, or None to query with the glosses' words.

    Returns:
        (frames, points, 3) float32 at ``config.fps`` (``config.points``: 50, or 178 with the
        face, PT-50's and then the face's): :func:`plan`'s clips assembled, refined and
        low-passed as the lexicon's stitching is (:func:`signkit.pose.motion.low_pass`: the
        refinement's output jerks; on the DGS leave-one-out its wrist jerk fell from 4.7 to 2.1
        times real signing's, DTW-MJE 0.1236 -> 0.1234).
    """
    config = model.config
    if not glosses:
        return np.repeat(model.rest.detach().cpu().numpy()[None], config.lead_in + config.lead_out + 1, axis=0)
    signs = plan(model, glosses, text)
    with torch.no_grad():
        frames, signing = assemble(signs.clips, signs.gaps, config.lead_in, config.lead_out, model.rest)
        return low_pass(refine(model, frames, signing).cpu().numpy(), config.fps)


def as_sequence(points: np.ndarray, fps: float, name: str = "000001", text: str | None = None,
                gloss: str | None = None):
    """A :class:`signkit.pose.sequence.Sequence` of produced points at ``fps``: (frames, 50, 3) as
    PT-50, (frames, 178, 3) as slrtp178 (:func:`signkit.pose.convert.production_pose`)."""
    from signkit.pose.convert import production_pose
    from signkit.pose.layouts import PT50, SLRTP178
    from signkit.pose.sequence import Sequence

    layout = PT50 if points.shape[1] == 50 else SLRTP178
    return Sequence(name, production_pose(points, fps, layout), text=text, gloss=gloss)
