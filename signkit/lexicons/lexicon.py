"""Sign lexicons in sign.mt's layout: the pose prior database of the default t2p.

A lexicon is a folder with ``index.csv`` (columns ``path,spoken_language,signed_language,start,
end,words,glosses,priority``; ``start``/``end`` in milliseconds, ``end`` 0 for the whole file)
beside the ``.pose`` files it names, inside the folder: a row whose path leaves it (``..`` or an
absolute path, refused when the index is read; a symbolic link out, refused before its clip is
read) or names something other than a regular file is an error naming the row, and a clip is
read only up to :data:`MAX_CLIP_BYTES`. Entries are looked up by gloss (exact, then by its gloss
lemma, :func:`gloss_lemma`), by spoken word and by the word's English lemma; letters are the
entries whose gloss is one letter A-Z, used for fingerspelling.

The built-in lexicon is the fingerspelling alphabet that the ``spoken-to-signed`` package ships
(``spoken_to_signed/assets/fingerspelling_lexicon``; 19 sign languages, ASL = ``ase``).
"""

from __future__ import annotations

import csv
import importlib.util
import os
import re
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePath

from pose_format import Pose

from signkit.errors import SignkitError

INDEX_COLUMNS = ("path", "spoken_language", "signed_language", "start", "end", "words", "glosses", "priority")
MAX_CLIP_BYTES = 64 * 2**20  # one sign's .pose is kilobytes to a few MB; 64 MiB is a minute of dense keypoints


@dataclass(frozen=True)
class Entry:
    """One row of a lexicon's ``index.csv`` (sign.mt's layout, Moryossef et al., 2023).

    Attributes:
        path: the pose file.
        spoken_language, signed_language: ISO 639 codes (``en``, ``ase``).
        start, end: the sign's span in the file in milliseconds (``end`` 0: to the end).
        words: the spoken word or phrase (lower case).
        gloss: the gloss (upper case).
        priority: lower is preferred among entries of the same gloss.
        folder, line: the lexicon folder the path must stay in, and the entry's line in its
            ``index.csv`` (None and 0 for an entry made in code).
    """

    path: Path
    spoken_language: str
    signed_language: str
    start: float
    end: float
    words: str
    gloss: str
    priority: int
    folder: Path | None = field(default=None, compare=False)
    line: int = field(default=0, compare=False)

    @property
    def is_letter(self) -> bool:
        """True for a fingerspelling letter (gloss of one letter A-Z)."""
        return len(self.gloss) == 1 and self.gloss.isalpha() and self.gloss.isascii()


@dataclass
class Lexicon:
    """The entries of one or more lexicon folders, in order of preference.

    Attributes:
        entries: every entry, the first lexicon's first.
        by_gloss: upper-case gloss to its entries, best first.
        by_words: lower-case spoken phrase to its entries, best first.
        by_lemma: gloss lemma (:func:`gloss_lemma`) to its entries, best first.
    """

    entries: list[Entry] = field(default_factory=list)
    by_gloss: dict[str, list[Entry]] = field(default_factory=dict)
    by_words: dict[str, list[Entry]] = field(default_factory=dict)
    by_lemma: dict[str, list[Entry]] = field(default_factory=dict)

    @classmethod
    def read(cls, folders: list[Path], signed_language: str = "ase", spoken_language: str | None = None) -> Lexicon:
        """Read lexicon folders; entries of other languages are skipped.

        Args:
            folders: lexicon folders in sign.mt's layout, the preferred first.
            signed_language: ISO 639-3 code of the signed language kept (``ase``: ASL).
            spoken_language: ISO 639 code of the spoken language kept; None: any.

        Returns:
            The :class:`Lexicon` of the kept entries.

        Raises:
            SignkitError: a folder has no ``index.csv``, an index lacks columns or has a bad
                number (see :func:`read_index`), or no entry of the language pair remains.
        """
        lexicon = cls()
        for folder in folders:
            for entry in read_index(Path(folder)):
                if entry.signed_language == signed_language and spoken_language in (None, entry.spoken_language):
                    lexicon.add(entry)
        if not lexicon.entries:
            names = ", ".join(str(f) for f in folders)
            raise SignkitError(f"{names}: no lexicon entry for {spoken_language or 'any spoken language'} -> "
                               f"{signed_language}")
        return lexicon

    def add(self, entry: Entry) -> None:
        """Add an entry after those already there (stable by priority within a gloss)."""
        self.entries.append(entry)
        for table, key in ((self.by_gloss, entry.gloss), (self.by_words, entry.words),
                           (self.by_lemma, gloss_lemma(entry.gloss))):  # fmt: skip
            table.setdefault(key, []).append(entry)
            table[key].sort(key=lambda e: e.priority)

    def vocabulary(self) -> dict[str, str]:
        """Spoken phrase (lower case) to gloss, for the text-to-gloss rules; first entry wins."""
        return {words: entries[0].gloss for words, entries in self.by_words.items() if words}

    def find(self, gloss: str) -> Entry | None:
        """The best entry for a gloss: exact gloss, then the same gloss lemma (another variant of
        the sign), then a spoken word equal to it, then the word's English lemma (simplemma).

        Args:
            gloss: a gloss in any case; ``-`` counts as a space when matched against words.

        Returns:
            The entry of lowest ``priority`` at the first level that matches, or None.
        """
        key = gloss.upper()
        if key in self.by_gloss:
            return self.by_gloss[key][0]
        variants = self.by_lemma.get(gloss_lemma(key))
        if variants:
            return variants[0]
        words = gloss.lower().replace("-", " ")
        if words in self.by_words:
            return self.by_words[words][0]
        lemma = _lemma(words)
        entries = self.by_gloss.get(lemma.upper().replace(" ", "-")) or self.by_words.get(lemma)
        return entries[0] if entries else None

    def letter(self, char: str) -> Entry | None:
        """The fingerspelling entry of a letter A-Z, or None."""
        entries = self.by_gloss.get(char.upper(), [])
        return next((e for e in entries if e.is_letter), None)


# DGS Corpus gloss suffixes (Konrad et al., "Public DGS Corpus: Annotation Conventions", 2018,
# DGS-Korpus project note AP03-2018-01):
# a type number with an optional variant letter (ICH1, JULI1A, WARUM10A), then ":" and a numeral
# qualifier ($NUM-EINER1A:1d), then the markers ^ (a modified form) and * (a deviation).
_GLOSS_SUFFIX = re.compile(r"(\d+[A-Z]?)?(:[^\s^*]*)?[\^*]*$")


def gloss_lemma(gloss: str) -> str:
    """A gloss without its type number, variant letter, qualifier and form markers.

    ``ICH1*`` -> ``ICH``, ``JULI1A`` -> ``JULI``, ``$NUM-EINER1A:1d*`` -> ``$NUM-EINER``,
    ``$GEST-OFF^`` -> ``$GEST-OFF``; glosses without such suffixes (ASL ``THANK-YOU``, PHOENIX14T
    ``REGEN``) are their own lemma. Upper case.
    """
    key = gloss.strip().upper()
    return _GLOSS_SUFFIX.sub("", key) or key


def read_index(folder: Path) -> list[Entry]:
    """Parse ``folder/index.csv`` (sign.mt's lexicon layout, columns :data:`INDEX_COLUMNS`).

    Args:
        folder: the lexicon folder; entry paths are taken relative to it.

    Returns:
        The entries in file order: words lower-cased with whitespace collapsed, glosses
        upper-cased, empty ``start``/``end``/``priority`` read as 0; times in milliseconds.

    Raises:
        SignkitError: no index, missing columns, a bad number, an index that is not UTF-8, or an
            absolute path or one with ``..`` (naming the file and line).
    """
    index = folder / "index.csv"
    if not index.is_file():
        raise SignkitError(f"{folder}: not a lexicon (no index.csv)")
    entries = []
    try:
        with open(index, newline="", encoding="utf-8") as file:
            reader = csv.DictReader(file)
            missing = set(INDEX_COLUMNS) - set(reader.fieldnames or [])
            if missing:
                raise SignkitError(f"{index}:1: missing columns {', '.join(sorted(missing))}")
            for row in reader:
                where = f"{index}:{reader.line_num}"
                name = PurePath(row["path"] or "")
                if name.is_absolute() or ".." in name.parts:
                    raise SignkitError(f"{where}: {str(name)!r} is outside the lexicon folder")
                try:
                    entries.append(Entry(
                        path=folder / row["path"],
                        spoken_language=row["spoken_language"],
                        signed_language=row["signed_language"],
                        start=float(row["start"] or 0),
                        end=float(row["end"] or 0),
                        words=" ".join((row["words"] or "").lower().split()),
                        gloss=(row["glosses"] or "").strip().upper(),
                        priority=int(row["priority"] or 0),
                        folder=folder,
                        line=reader.line_num,
                    ))  # fmt: skip
                except (TypeError, ValueError) as error:
                    raise SignkitError(f"{where}: {error}") from None
    except UnicodeDecodeError:
        raise SignkitError(f"{index}: not UTF-8 text") from None
    return entries


def builtin_lexicon_path() -> Path:
    """The fingerspelling lexicon folder shipped by the ``spoken-to-signed`` package.

    Raises:
        SignkitError: the package is not installed.
    """
    spec = importlib.util.find_spec("spoken_to_signed")
    if spec is None or not spec.submodule_search_locations:
        raise SignkitError("the spoken-to-signed package is not installed; it ships the built-in alphabet")
    return Path(next(iter(spec.submodule_search_locations))) / "assets" / "fingerspelling_lexicon"


def write_index(folder: Path, rows: list[dict], prune: bool = True) -> None:
    """Write ``folder/index.csv`` (columns :data:`INDEX_COLUMNS`) whole or not at all.

    Args:
        folder: the lexicon folder.
        rows: one dict per entry, keyed by the columns.
        prune: remove the ``clips/*.pose`` files the rows do not name (an earlier index's).

    Raises:
        OSError: the folder or a file cannot be written.
    """
    temporary = folder / ".index.csv.tmp"
    with open(temporary, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=INDEX_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(temporary, folder / "index.csv")
    if prune:
        named = {row["path"] for row in rows}
        for stale in (folder / "clips").glob("*.pose"):
            if f"clips/{stale.name}" not in named:
                stale.unlink()


def lexicon_sequences(folder: Path) -> list:
    """Every entry of a lexicon as a :class:`signkit.pose.sequence.Sequence`: its clip
    (:func:`load_clip`, in the file's layout), named by its path, ``gloss`` set.

    Raises:
        SignkitError: as :func:`read_index` and :func:`load_clip`.
    """
    from signkit.pose.sequence import Sequence

    return [Sequence(str(entry.path), load_clip(entry), gloss=entry.gloss) for entry in read_index(folder)]


@lru_cache(maxsize=1024)
def load_clip(entry: Entry) -> Pose:
    """The entry's pose cut to ``start``..``end`` (ms), as stored (its own layout and fps).

    The span maps to frames ``round(start * fps / 1000)`` to ``round(end * fps / 1000)``
    (exclusive; ``end`` 0: to the last frame). Cached per entry (up to 1024 clips).

    Args:
        entry: the lexicon entry.

    Returns:
        A ``pose_format.Pose`` (frames, people, points, dims) in the file's layout and units.

    Raises:
        SignkitError: the file is missing, resolves outside its lexicon's folder (a symbolic
            link out), is not a regular file, is larger than :data:`MAX_CLIP_BYTES` or is not a
            valid pose (also: no frames, no person, a frame rate that is not positive; see
            :func:`signkit.pose.formats.read_pose`), or the span holds no frame; nothing outside
            the folder is opened.
    """
    from signkit.pose.formats import read_pose

    where = f"{entry.folder / 'index.csv'}:{entry.line}: " if entry.folder else ""
    resolved = entry.path.resolve()
    if entry.folder and not resolved.is_relative_to(entry.folder.resolve()):
        raise SignkitError(f"{where}{entry.path} leads outside the lexicon folder (to {resolved})")
    try:
        if not stat.S_ISREG(resolved.stat().st_mode):  # before opening: a FIFO would block
            raise SignkitError(f"{where}{entry.path} is not a regular file")
        with open(resolved, "rb") as file:
            content = file.read(MAX_CLIP_BYTES + 1)
    except OSError:
        raise SignkitError(f"{entry.path}: lexicon file missing (entry {entry.gloss})") from None
    if len(content) > MAX_CLIP_BYTES:
        raise SignkitError(f"{where}{entry.path} is larger than {MAX_CLIP_BYTES:,} bytes, not one sign")
    pose = read_pose(content, str(entry.path)).pose
    if entry.start or entry.end:
        fps = pose.body.fps
        first = int(round(entry.start * fps / 1000))
        last = int(round(entry.end * fps / 1000)) if entry.end else len(pose.body.data)
        if last <= first:
            raise SignkitError(f"{entry.path}: span {entry.start:g}-{entry.end:g} ms holds no frame")
        pose = Pose(pose.header, pose.body[first:last])
    return pose


def _lemma(words: str) -> str:
    from signkit.text.gloss import english_lemma

    return " ".join(english_lemma(word) for word in words.split())
