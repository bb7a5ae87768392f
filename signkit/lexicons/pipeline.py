"""The embedded default text-to-pose: English -> ASL glosses -> lexicon clips -> one PT-50 sequence.

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
from signkit.lexicons.stitch import prepare_clip, stitch
from signkit.pose.motion import REST_POSE, fill_gaps, resample
from signkit.pose.convert import to_pt50
from signkit.pose.layouts import pt50_header
from signkit.pose.sequence import Sequence, make_pose, person0

DIGITS = ("ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE")


@dataclass
class Signer:
    """Turns glosses into poses with one lexicon, caching each prepared clip.

    Lookup, fingerspelling and stitching follow sign.mt's spoken-to-signed (Moryossef et al.,
    2023); poses are PT-50 in normalised units (neck at the origin, shoulder width 1/3).

    Attributes:
        lexicon: the signs, in order of preference.
        fps: output frames per second.
        fingerspell: spell glosses missing from the lexicon letter by letter.
    """

    lexicon: Lexicon
    fps: float = 25.0
    fingerspell: bool = True
    _clips: dict[Entry, np.ndarray] = field(default_factory=dict)

    def plan(self, glosses: list[str], where: str) -> list[Entry]:
        """The lexicon entries that sign ``glosses``: signs, or letters where a sign is missing.

        A missing gloss is spelled from its gloss lemma: ASCII letters by the lexicon's letters,
        digits by the signs ZERO..NINE (else spelled too), other characters skipped.

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
            else:
                entries.extend(self._spell(gloss, where))
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
        """The prepared PT-50 frames of an entry (:func:`signkit.lexicons.stitch.prepare_clip`).

        Returns:
            (frames, 50, 3) float32 at ``fps``, normalised units, no missing value; cached.

        Raises:
            SignkitError: the clip is missing, unreadable or empty (:func:`load_clip`), or has no
                PT-50 mapping or no frame showing both shoulders.
        """
        if entry not in self._clips:
            pose = load_clip(entry)
            points, _ = person0(to_pt50(pose, str(entry.path)))
            self._clips[entry] = prepare_clip(points, pose.body.fps, self.fps, letter=entry.is_letter)
        return self._clips[entry]

    def sign(self, glosses: list[str], where: str) -> np.ndarray:
        """One fluent PT-50 sequence signing ``glosses``, rest pose at both ends.

        Returns:
            (frames, 50, 3) float32 at ``fps``, normalised units (see
            :func:`signkit.lexicons.stitch.stitch`); the rest pose alone for no gloss.

        Raises:
            SignkitError: as :meth:`plan` and :meth:`clip`.
        """
        return stitch([self.clip(entry) for entry in self.plan(glosses, where)], self.fps)

    def concatenate(self, glosses: list[str], where: str) -> np.ndarray:
        """The clips of ``glosses`` end to end as recorded: PT-50 (frames, 50, 3) at ``fps``, gaps
        filled, no trimming, retargeting, transitions or rest pose (one rest frame for no gloss).

        Raises:
            SignkitError: as :meth:`plan` and :func:`recorded_clip`.
        """
        parts = [recorded_clip(entry, self.fps) for entry in self.plan(glosses, where)]
        return np.concatenate(parts) if parts else REST_POSE[None].copy()


def recorded_clip(entry: Entry, fps: float) -> np.ndarray:
    """An entry's clip as recorded: PT-50 (frames, 50, 3) float32, gaps filled
    (:func:`signkit.pose.motion.fill_gaps`), resampled to ``fps``; no trimming or retargeting.

    Raises:
        SignkitError: the clip is missing, unreadable or empty, has no PT-50 mapping or no frame
            showing both shoulders.
    """
    pose = load_clip(entry)
    points = person0(to_pt50(pose, str(entry.path)))[0]
    fill_gaps(points, np.arange(points.shape[1]))
    return resample(points, max(1, int(round(len(points) * fps / pose.body.fps))))


def sign_lines(lines: Iterable[str], lexicon: Lexicon, *, source: str = "text", fingerspell: bool = True,
        fps: float = 25.0, name: str = "<stdin>", on_glosses: Callable[[int, list[str]], None] | None = None,
        join: str = "stitch") -> Iterator[Sequence]:  # fmt: skip
    """Text (or glosses) to PT-50 signing, one sequence per input line.

    Args:
        lines: English sentences (``source="text"``) or space-separated glosses (``"gloss"``),
            one per item; an empty line gives a short rest-pose sequence, keeping lines aligned.
        lexicon: the signs to use.
        source: ``text`` or ``gloss``.
        fingerspell: spell glosses the lexicon lacks letter by letter (else raise).
        fps: output frames per second.
        name: the input's name for messages.
        on_glosses: called with (line number, glosses) for each line, e.g. to log them.
        join: ``stitch`` (:meth:`Signer.sign`) or ``concat`` (:meth:`Signer.concatenate`).

    Yields:
        Sequences named by line number (``000001`` ...) with a PT-50 pose (frames, 1, 50, 3) at
        ``fps``, ``text`` and ``gloss`` set.

    Raises:
        SignkitError: naming ``name:line`` for a gloss that cannot be signed; a lexicon clip that
            is missing or unreadable (naming the clip's file). Raised as the lines are reached.
    """
    from signkit.text.gloss import text_to_glosses

    signer = Signer(lexicon, fps=fps, fingerspell=fingerspell)
    vocabulary = lexicon.vocabulary() if source == "text" else {}
    header = pt50_header()
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        glosses = text_to_glosses(line, vocabulary) if source == "text" else line.upper().split()
        if on_glosses is not None:
            on_glosses(number, glosses)
        points = (signer.sign if join == "stitch" else signer.concatenate)(glosses, f"{name}:{number}")
        yield Sequence(
            name=f"{number:06d}",
            pose=make_pose(header, points, None, fps),
            text=line if source == "text" else None,
            gloss=" ".join(glosses),
        )
