"""The embedded default text-to-pose: English -> ASL glosses -> lexicon clips -> one signing sequence.

Needs no training and no download: glosses come from rules (:mod:`signkit.text.gloss`), signs
from sign lexicons (:mod:`signkit.lexicons.lexicon`; built in: the ASL fingerspelling alphabet of
``spoken-to-signed``), and the clips are joined by :func:`signkit.lexicons.stitch.stitch`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from signkit.errors import SignkitError
from signkit.lexicons.lexicon import Entry, Lexicon, gloss_lemma, load_clip
from signkit.lexicons.stitch import prepare_clip, rest_pose, stitch
from signkit.pose.convert import has_face, production_pose, signing_points
from signkit.pose.face import complete_face
from signkit.pose.layouts import FULL_FACE, PT50, SLRTP178
from signkit.pose.motion import fill_gaps, resample
from signkit.pose.sequence import Sequence

DIGITS = ("ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE")
# Signed languages whose missing glosses are fingerspelled: ASL's glosses are English words, and an
# ASL signer spells an English word there is no sign for. Other lexicons' glosses (DGS Corpus:
# ``WASSER3B``, ``$INDEX1``) are names in another written language with annotation markers, not
# words a signer would spell letter by letter. A missing one is a pause in the neutral signing
# space (:meth:`Signer.neutral`) for HOLD_SECONDS: the hands held where the lexicon's signs are made
# on average, as a signer pauses mid-sentence (mouthing the word, which the face does not yet
# show), rather than frozen wherever the last sign ended or dropped to rest. Measured on the DGS
# leave-one-out (benchmarks/quality.py, 58% of glosses uncovered, excerpts, other settings equal):
# against holding the last pose, DTW-MJE 0.2547 -> 0.1622 and the default distance 0.2966 -> 0.2492.
SPELLED_LANGUAGES = ("ase",)
# A missing gloss that is not spelled lasts this long: the median duration of a gloss in the DGS
# Corpus sentences (180 ms; quartiles 100 and 295 ms, 190 glosses), so the sentence keeps the
# rhythm of continuous signing (2.4 glosses a second there).
HOLD_SECONDS = 0.18


@dataclass
class Signer:
    """Turns glosses into poses with one lexicon, caching each prepared clip.

    Lookup, fingerspelling and stitching follow sign.mt's spoken-to-signed (Moryossef et al.,
    2023); poses are PT-50 points, with the face's 128 after them when ``face`` is set, in
    normalised units (neck at the origin, shoulder width 1/3).

    Attributes:
        lexicon: the signs, in order of preference.
        fps: output frames per second.
        fingerspell: sign glosses missing from the lexicon (else raise): spelled letter by letter
            when ``spell`` is true, else a pause in the neutral signing space (:meth:`neutral`,
            :data:`HOLD_SECONDS`).
        spell: fingerspell missing glosses (ASL: see :data:`SPELLED_LANGUAGES`).
        face: make the face: each clip's own, filled from the face template where its tracker
            saw none (:func:`signkit.pose.face.complete_face`).
        rest: start and end each sequence at rest (else from the first sign to the last: see
            :func:`signkit.lexicons.stitch.stitch`).
    """

    lexicon: Lexicon
    fps: float = 25.0
    fingerspell: bool = True
    spell: bool = True
    face: bool = False
    rest: bool = True
    _clips: dict[Entry, np.ndarray] = field(default_factory=dict)
    _neutral: np.ndarray | None = None

    def plan(self, glosses: list[str], where: str) -> list[Entry | None]:
        """The lexicon entries that sign ``glosses``: signs, or letters where a sign is missing.

        A missing gloss is spelled from its gloss lemma (``spell``): ASCII letters by the
        lexicon's letters, digits by the signs ZERO..NINE (else spelled too), other characters
        skipped; or, not spelled, a pause in the neutral signing space: None in the plan.

        Args:
            glosses: the glosses to sign.
            where: the place for messages (``FILE:LINE``).

        Raises:
            SignkitError: a gloss is missing and fingerspelling is off, or a letter is missing.
        """
        entries = []
        for gloss in glosses:
            entry = self.lexicon.find(gloss)
            if entry is not None:
                entries.append(entry)
            elif not self.fingerspell:
                raise SignkitError(f"{where}: no sign for gloss {gloss!r} in the lexicon, and fingerspelling is off")
            elif self.spell:
                entries.extend(self._spell(gloss, where))
            else:
                entries.append(None)
        return entries

    def _spell(self, gloss: str, where: str) -> list[Entry]:
        letters = []
        plain = unicodedata.normalize("NFKD", gloss_lemma(gloss))  # DGS ICH1* spells ICH
        for char in plain:
            if char.isdigit() and char.isascii():
                entry = self.lexicon.find(DIGITS[int(char)])
                letters.extend([entry] if entry else self._spell(DIGITS[int(char)], where))
            elif char.isascii() and char.isalpha():
                entry = self.lexicon.letter(char)
                if entry is None:
                    raise SignkitError(f"{where}: cannot fingerspell {gloss!r}: no letter {char.upper()} in the lexicon")
                letters.append(entry)
        return letters

    def clip(self, entry: Entry) -> np.ndarray:
        """The prepared frames of an entry (:func:`signkit.lexicons.stitch.prepare_clip`).

        Returns:
            (frames, 50, 3), or (frames, 178, 3) with the face, float32 at ``fps``, normalised
            units, no missing value; cached.

        Raises:
            SignkitError: the clip is missing, unreadable or empty (:func:`load_clip`), or has no
                PT-50 mapping or no frame showing both shoulders.
        """
        if entry not in self._clips:
            pose = load_clip(entry)
            points = signing_points(pose, str(entry.path), self.face)
            self._clips[entry] = prepare_clip(points, pose.body.fps, self.fps, letter=entry.is_letter)
        return self._clips[entry]

    def sign(self, glosses: list[str], where: str) -> np.ndarray:
        """One fluent sequence signing ``glosses``, rest pose at both ends.

        Returns:
            (frames, 50 or 178, 3) float32 at ``fps``, normalised units (see
            :func:`signkit.lexicons.stitch.stitch`); the rest pose alone for no gloss.

        Raises:
            SignkitError: as :meth:`plan` and :meth:`clip`.
        """
        clips: list[np.ndarray] = []
        for entry in self.plan(glosses, where):
            clips.append(self.clip(entry) if entry is not None else self._pause())
        return stitch(clips, self.fps, self.face, self.rest)

    def neutral(self) -> np.ndarray:
        """The neutral signing pose: the mean of every prepared frame (:meth:`clip`) of the
        lexicon's signs (its letters too when it has nothing else; the rest pose when it is empty).

        Returns:
            (50, 3), or (178, 3) with the face, float32 in normalised units; computed once.

        Raises:
            SignkitError: as :meth:`clip`.
        """
        if self._neutral is None:
            signs = [entry for entry in self.lexicon.entries if not entry.is_letter] or self.lexicon.entries
            frames = [self.clip(entry) for entry in signs]
            self._neutral = np.concatenate(frames).mean(axis=0) if frames else rest_pose(self.face)
        return self._neutral

    def _pause(self) -> np.ndarray:
        """The neutral signing pose (:meth:`neutral`) for :data:`HOLD_SECONDS`."""
        return np.repeat(self.neutral()[None], max(1, int(round(HOLD_SECONDS * self.fps))), axis=0).astype(np.float32)

    def concatenate(self, glosses: list[str], where: str) -> np.ndarray:
        """The clips of ``glosses`` end to end as recorded: (frames, 50 or 178, 3) at ``fps``, gaps
        filled, no trimming, retargeting, transitions or rest pose (one rest frame for no gloss).

        Raises:
            SignkitError: as :meth:`plan` and :func:`recorded_clip`.
        """
        parts: list[np.ndarray] = []
        for entry in self.plan(glosses, where):
            parts.append(recorded_clip(entry, self.fps, self.face) if entry is not None else self._pause())
        return np.concatenate(parts) if parts else rest_pose(self.face)[None].copy()


def recorded_clip(entry: Entry, fps: float, face: bool = False) -> np.ndarray:
    """An entry's clip as recorded: (frames, 50, 3) PT-50, or (frames, 178, 3) with the face
    (:func:`signkit.pose.face.complete_face`), float32, gaps filled
    (:func:`signkit.pose.motion.fill_gaps`), resampled to ``fps``; no trimming or retargeting.

    Raises:
        SignkitError: the clip is missing, unreadable or empty, has no PT-50 mapping or no frame
            showing both shoulders.
    """
    pose = load_clip(entry)
    points = signing_points(pose, str(entry.path), face)
    fill_gaps(points, np.arange(50))
    if face:
        points[:, FULL_FACE] = complete_face(points[:, FULL_FACE], points[:, 0])
    return resample(points, max(1, int(round(len(points) * fps / pose.body.fps))))


def carries_face(lexicon: Lexicon) -> bool:
    """Whether a lexicon's signs carry a face: its first entry's clip has a layout with one
    (:func:`signkit.pose.convert.has_face`).

    Raises:
        SignkitError: the clip is missing or unreadable (:func:`load_clip`).
    """
    return bool(lexicon.entries) and has_face(load_clip(lexicon.entries[0]).header)


def sign_lines(lines: Iterable[str], lexicon: Lexicon, *, source: str = "text", fingerspell: bool = True,
        spell: bool = True, fps: float = 25.0, name: str = "<stdin>",
        on_glosses: Callable[[int, list[str]], None] | None = None, join: str = "stitch",
        layout: str | None = None) -> Iterator[Sequence]:  # fmt: skip
    """Text (or glosses) to signing, one sequence per input line.

    Args:
        lines: English sentences (``source="text"``) or space-separated glosses (``"gloss"``),
            one per item; an empty line gives a short rest-pose sequence, keeping lines aligned.
        lexicon: the signs to use.
        source: ``text`` or ``gloss``.
        fingerspell: sign glosses the lexicon lacks (else raise).
        spell: a gloss the lexicon lacks is spelled letter by letter (else a pause in the neutral signing space; see
            :class:`Signer` and :data:`SPELLED_LANGUAGES`).
        fps: output frames per second.
        name: the input's name for messages.
        on_glosses: called with (line number, glosses) for each line, e.g. to log them.
        join: ``stitch`` (:meth:`Signer.sign`) or ``concat`` (:meth:`Signer.concatenate`).
        layout: ``pt50`` or ``slrtp178`` (with the face); None: ``slrtp178`` when the lexicon's
            signs carry a face (:func:`carries_face`), else ``pt50``.

    Yields:
        Sequences named by line number (``000001`` ...) with a PT-50 pose (frames, 1, 50, 3) or
        a slrtp178 pose (frames, 1, 178, 3) at ``fps``, normalised units,
        ``text`` and ``gloss`` set.

    Raises:
        SignkitError: naming ``name:line`` for a gloss that cannot be signed; a lexicon clip that
            is missing or unreadable (naming the clip's file). Raised as the lines are reached.
    """
    from signkit.text.gloss import text_to_glosses

    if layout is None:
        layout = SLRTP178 if carries_face(lexicon) else PT50
    signer = Signer(lexicon, fps=fps, fingerspell=fingerspell, spell=spell, face=layout == SLRTP178)
    vocabulary = lexicon.vocabulary() if source == "text" else {}
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        glosses = text_to_glosses(line, vocabulary) if source == "text" else line.upper().split()
        if on_glosses is not None:
            on_glosses(number, glosses)
        points = (signer.sign if join == "stitch" else signer.concatenate)(glosses, f"{name}:{number}")
        yield Sequence(
            name=f"{number:06d}",
            pose=production_pose(points, fps, layout),
            text=line if source == "text" else None,
            gloss=" ".join(glosses),
        )
