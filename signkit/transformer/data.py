"""Source vocabulary and training batches of the text-to-pose transformer.

The source is spoken-language text (lower-cased words and punctuation marks) or glosses (as
written, split on whitespace), one token per vocabulary entry, with ``<pad>`` 0, ``<unk>`` 1
(every word the training data did not have) and ``</s>`` 2 ending each source, as in
Progressive Transformers (joeynmt's word vocabularies). Targets are the frames of any one layout,
flattened to ``values`` numbers a frame (PT-50: 150), missing points as 0.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from signkit.pose.sequence import frames_of
from signkit.errors import SignkitError
from signkit.pose.sequence import Sequence

PAD, UNK, EOS = "<pad>", "<unk>", "</s>"
_WORD = re.compile(r"\w+|[^\w\s]")


def tokenize(line: str, source: str) -> list[str]:
    """Source tokens of one line: ``text`` lower-cased and split into words and punctuation
    marks, ``gloss`` split on whitespace as written."""
    return _WORD.findall(line.lower()) if source == "text" else line.split()


class Vocabulary:
    """Word-level source vocabulary: ``<pad>`` 0, ``<unk>`` 1, ``</s>`` 2, then the training
    tokens by falling frequency (ties alphabetically).

    Args:
        tokens: the entries in id order, the three specials first.
    """

    def __init__(self, tokens: list[str]):
        if tokens[:3] != [PAD, UNK, EOS]:
            raise SignkitError("a source vocabulary starts with <pad>, <unk>, </s>")
        self.tokens = tokens
        self.ids = {token: i for i, token in enumerate(tokens)}

    @classmethod
    def build(cls, lines: list[str], source: str, min_count: int = 1) -> Vocabulary:
        """The vocabulary of training lines; tokens seen fewer than ``min_count`` times stay unknown."""
        counts = Counter(token for line in lines for token in tokenize(line, source))
        kept = sorted((t for t, n in counts.items() if n >= min_count), key=lambda t: (-counts[t], t))
        return cls([PAD, UNK, EOS, *kept])

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, line: str, source: str) -> tuple[list[int], list[str]]:
        """Token ids of a line with ``</s>`` appended, and the tokens that were unknown."""
        tokens = tokenize(line, source)
        return [self.ids.get(t, 1) for t in tokens] + [2], [t for t in tokens if t not in self.ids]

    def save(self, path: str | Path) -> None:
        """One token a line, in id order."""
        Path(path).write_text("".join(f"{t}\n" for t in self.tokens), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Vocabulary:
        return cls(Path(path).read_text(encoding="utf-8").splitlines())


def source_of(sequence: Sequence, source: str) -> str:
    """The sequence's text or gloss line.

    Raises:
        SignkitError: the sequence has none.
    """
    line = sequence.text if source == "text" else sequence.gloss
    if not line or not line.strip():
        sibling = ".text" if source == "text" else ".gloss"
        raise SignkitError(f"sequence {sequence.name} has no {source} (a {sibling} sibling, or an .h5 '{source}' attribute)")
    return line


@dataclass
class Example:
    """One training pair: source ids (S,) ending in ``</s>`` and frames (T, values) float32."""

    source: list[int]
    frames: np.ndarray


def examples(sequences: list[Sequence], vocabulary: Vocabulary, source: str, values: int) -> list[Example]:
    """Training pairs of sequences.

    Raises:
        SignkitError: a sequence without its source line, or with another number of values a frame.
    """
    out = []
    for sequence in sequences:
        frames = frames_of(sequence)
        if frames.shape[1] != values:
            raise SignkitError(f"sequence {sequence.name} has {frames.shape[1]} values a frame, the first {values}; "
                               "convert all to one layout (--layout pt50)")  # fmt: skip
        out.append(Example(vocabulary.encode(source_of(sequence, source), source)[0], frames))
    return out


def collate(batch: list[Example]) -> dict:
    """Pad examples into tensors: ``source`` (B, S) long with 0 padding, ``source_mask`` (B, S)
    True on real tokens, ``frames`` (B, T, values) float with 0 padding, ``lengths`` (B,) frames."""
    import torch

    sources = max(len(e.source) for e in batch)
    frames = max(len(e.frames) for e in batch)
    out = {
        "source": torch.zeros(len(batch), sources, dtype=torch.long),
        "frames": torch.zeros(len(batch), frames, batch[0].frames.shape[1]),
        "lengths": torch.tensor([len(e.frames) for e in batch], dtype=torch.long),
    }
    for i, example in enumerate(batch):
        out["source"][i, : len(example.source)] = torch.tensor(example.source)
        out["frames"][i, : len(example.frames)] = torch.from_numpy(example.frames)
    out["source_mask"] = out["source"] != 0
    return out
