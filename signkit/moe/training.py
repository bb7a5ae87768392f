"""Training of SLP-MoE on segmented sentences on the shared loop (:mod:`signkit.train`): the
timeline of a sentence's glosses and the examples the network learns from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from signkit.errors import SignkitError
from signkit.moe.database import LEXICON, Candidate, Database, Encoder, query_embeddings
from signkit.moe.network import MoEConfig, SLPMoE
from signkit.moe.produce import as_sequence, produce
from signkit.pose.motion import resample


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
    """One training sentence prepared for SLP-MoE: real frames (T, points, 3), its timeline, the
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
    """Training examples of segmented sentences (with the face if ``config.face``), retrieving
    from ``database`` without each sentence's own clips."""
    out = []
    encoder = database.encoder
    for s in sentences:
        lead, durations, gaps, tail = timeline(s.spans, len(s.points))
        found = [[[Candidate(resample(c.points, d), c.embedding, c.features) for c in expert]
                  for expert in database.candidates(g, config.candidates, exclude=s.name)]
                 for g, d in zip(s.glosses, durations)]  # fmt: skip
        out.append(Example(s.signing(config.face), lead, durations, gaps, tail,
                           *query_embeddings(encoder, s.glosses, s.text), found))  # fmt: skip
    return out


def train_g2p(files: list[str], dev: list[str] | None, model_config: MoEConfig, config, *,
              layout: str | None = None, options: dict | None = None) -> dict:  # fmt: skip
    """Train SLP-MoE on segmented sentences and write its model folder.

    Args:
        files: segmented sentences (metadata files or folders, :func:`signkit.lexicons.corpus.sentence_files`).
        dev: development sentences, or None. Validation logs Progressive Transformers' DTW and
            DTW-MJE (SLRTP 2025) of the produced poses to the real ones, on PT-50's points;
            DTW-MJE picks the best model: the DTW, a path's total cost over the reference's
            length, grows with the path, which is at least as long as the longer sequence, so it
            favours signing shorter than the real; the mean cost along the path does not.
        model_config: the :class:`MoEConfig`; ``fps``, ``lead_in``, ``lead_out`` and ``face``
            are set from the training sentences (their frame rate, median lead-in and lead-out)
            and ``layout``.
        config: the shared loop's settings (``output_dir`` is the model folder).
        layout: the signing to learn: ``slrtp178`` (with the face), ``pt50``, or None for
            ``slrtp178`` when every training sentence shows a face, else ``pt50``.
        options: the resolved options, saved in ``config.json``.

    Returns:
        :func:`signkit.train.train`'s result; ``best`` the best dev DTW-MJE.

    Raises:
        SignkitError: unreadable sentences, sentences of different frame rates, or ``slrtp178``
            asked of sentences of which one shows no face (naming it).
    """
    from dataclasses import replace

    from signkit.lexicons.corpus import build_database, read_sentences
    from signkit.evaluate.scores import dtw, dtw_mje
    from signkit.pose.layouts import SLRTP178
    from signkit.train import train

    sentences = read_sentences(files)
    rates = {s.fps for s in sentences}
    if len(rates) > 1:
        raise SignkitError(f"training sentences at different frame rates ({', '.join(f'{r:g}' for r in sorted(rates))} fps)")
    faceless = [s.name for s in sentences if s.face is None]
    if layout == SLRTP178 and faceless:
        raise SignkitError(f"{SLRTP178} needs a face in every training sentence; {faceless[0]} shows none")
    face = layout == SLRTP178 or (layout is None and not faceless)
    dev_sentences = read_sentences(dev) if dev else []
    build_database(sentences, Path(config.output_dir) / LEXICON, signed_language=model_config.signed_language)
    leads = [timeline(s.spans, len(s.points)) for s in sentences]
    model_config = replace(model_config, fps=float(rates.pop()), lead_in=int(np.median([t[0] for t in leads])),
                           lead_out=int(np.median([t[3] for t in leads])), face=face)  # fmt: skip
    encoder = Encoder()
    database = Database.from_sentences(sentences, encoder, model_config.signed_language, face)
    train_examples = examples(sentences, database, model_config)
    torch.manual_seed(config.seed)
    model = SLPMoE(model_config, rest=np.mean([s.signing(face)[0] for s in sentences], axis=0))
    model.database = database

    def validate(model):
        produced = [as_sequence(produce(model, s.glosses, s.text)[:, :50], model_config.fps) for s in dev_sentences]
        real = [as_sequence(s.points, s.fps) for s in dev_sentences]
        return {"dtw": dtw(produced, real).score, "dtw_mje": dtw_mje(produced, real).score}

    def save(model, folder):
        model.save_pretrained(folder, options or {})

    return train(config, model, train_examples, lambda batch: batch, validate=validate if dev_sentences else None,
                 save=save, metric="dtw_mje")  # fmt: skip
