"""Back-translation: a pose-to-text transformer in the style of Sign Language Transformers.

Camgoz et al. (2020), "Sign Language Transformers: Joint End-to-end Sign Language Recognition
and Translation", as SLP papers use it to judge produced poses: frames in (any layout,
flattened and standardised by the training data's per-value mean and spread), a transformer
encoder over them with an optional CTC gloss head on its states (recognition), and a
transformer decoder that writes the spoken-language sentence (translation). The loss is the
text cross-entropy (optionally label-smoothed) plus ``gloss_weight`` times the CTC loss.

Text is tokenised by a byte-level BPE trained on the training sentences (Hugging Face
``tokenizers``), so decoding gives back the text exactly, case and punctuation included.

A model folder holds ``config.json`` (:class:`BackTranslationConfig` plus the layout, values per
frame and the signkit version), ``model.safetensors`` (weights and the standardisation
statistics), ``tokenizer.json`` and, with a gloss head, ``glosses.txt``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from signkit.errors import SignkitError
from signkit.modelfolder import model_folder, write_config
from signkit.layers import sinusoidal
from signkit.pose.sequence import Sequence, frames_of

PAD, BOS, EOS = "<pad>", "<s>", "</s>"


@dataclass
class BackTranslationConfig:
    """Architecture of the back-translation model.

    Attributes:
        values: values per frame (PT-50: 150).
        vocabulary: text tokens (BPE, with PAD 0, BOS 1, EOS 2).
        glosses: gloss classes of the CTC head, blank 0 included (0: no gloss head).
        d_model: width of embeddings and states.
        heads: attention heads.
        encoder_layers: encoder layers.
        decoder_layers: decoder layers.
        feed_forward: inner width of the feed-forward blocks.
        dropout: dropout rate.
        max_frames: longest input (frames) the positional encoding covers.
        max_tokens: longest output (tokens).
        layout: layout name of the training poses (informative).
    """

    values: int
    vocabulary: int
    glosses: int = 0
    d_model: int = 256
    heads: int = 8
    encoder_layers: int = 3
    decoder_layers: int = 3
    feed_forward: int = 1024
    dropout: float = 0.1
    max_frames: int = 2000
    max_tokens: int = 200
    layout: str = "pt50"


def build_model(config: BackTranslationConfig):
    """The model as a ``torch.nn.Module`` with ``encode``, ``forward`` and ``gloss_logits``."""
    import torch
    from torch import nn

    class BackTranslator(nn.Module):
        def __init__(self):
            super().__init__()
            self.config = config
            self.register_buffer("mean", torch.zeros(config.values))
            self.register_buffer("std", torch.ones(config.values))
            self.frame_embedding = nn.Sequential(nn.Linear(config.values, config.d_model), nn.LayerNorm(config.d_model),
                                                 nn.ReLU())  # fmt: skip
            self.token_embedding = nn.Embedding(config.vocabulary, config.d_model, padding_idx=0)
            self.register_buffer("positions", sinusoidal(max(config.max_frames, config.max_tokens) + 1, config.d_model),
                                 persistent=False)  # fmt: skip
            layer = dict(d_model=config.d_model, nhead=config.heads, dim_feedforward=config.feed_forward,
                         dropout=config.dropout, batch_first=True, norm_first=True)  # fmt: skip
            self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(**layer), config.encoder_layers,
                                                 norm=nn.LayerNorm(config.d_model), enable_nested_tensor=False)  # fmt: skip
            self.decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(**layer), config.decoder_layers,
                                                 norm=nn.LayerNorm(config.d_model))  # fmt: skip
            self.dropout = nn.Dropout(config.dropout)
            self.output = nn.Linear(config.d_model, config.vocabulary)
            self.gloss_head = nn.Linear(config.d_model, config.glosses) if config.glosses else None

        def encode(self, frames, frame_mask):
            """frames (B, T, values), frame_mask (B, T) True on padding -> states (B, T, d_model)."""
            x = (frames - self.mean) / self.std
            x = self.frame_embedding(x) + self.positions[: x.shape[1]]
            return self.encoder(self.dropout(x), src_key_padding_mask=frame_mask)

        def decode(self, memory, frame_mask, tokens):
            """Next-token logits (B, L, vocabulary) for decoder input tokens (B, L)."""
            y = self.token_embedding(tokens) * math.sqrt(self.config.d_model) + self.positions[: tokens.shape[1]]
            causal = torch.ones(tokens.shape[1], tokens.shape[1], dtype=torch.bool, device=tokens.device).triu(1)
            states = self.decoder(self.dropout(y), memory, tgt_mask=causal, tgt_key_padding_mask=tokens == 0,
                                              memory_key_padding_mask=frame_mask)  # fmt: skip
            return self.output(states)

        def forward(self, frames, frame_mask, tokens):
            memory = self.encode(frames, frame_mask)
            gloss_logits = self.gloss_head(memory) if self.gloss_head is not None else None
            return self.decode(memory, frame_mask, tokens), gloss_logits

    return BackTranslator()


def train_tokenizer(texts: list[str], vocabulary: int = 4000):
    """A byte-level BPE (Hugging Face ``tokenizers``) trained on ``texts``; PAD 0, BOS 1, EOS 2."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocabulary, special_tokens=[PAD, BOS, EOS], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())  # fmt: skip
    tokenizer.train_from_iterator(texts, trainer)
    return tokenizer


@dataclass
class Example:
    """One training pair: frames (T, values), text token ids with BOS/EOS, gloss ids (or None)."""

    frames: np.ndarray
    tokens: list[int]
    glosses: list[int] | None


def examples(sequences: list[Sequence], tokenizer, gloss_vocabulary: dict[str, int] | None,
             values: int) -> list[Example]:  # fmt: skip
    """Training pairs of sequences that carry a text.

    Raises:
        SignkitError: a sequence without text, or with another number of values per frame.
    """
    out = []
    for sequence in sequences:
        if not sequence.text:
            raise SignkitError(f"sequence {sequence.name} has no text (a .text sibling, or --texts)")
        frames = frames_of(sequence)
        if frames.shape[1] != values:
            raise SignkitError(f"sequence {sequence.name} has {frames.shape[1]} values a frame, the others {values}; "
                               "convert all to one layout (--layout pt50)")  # fmt: skip
        tokens = [1, *tokenizer.encode(sequence.text).ids, 2]
        glosses = None
        if gloss_vocabulary is not None:
            glosses = [gloss_vocabulary[g] for g in (sequence.gloss or "").split() if g in gloss_vocabulary]
        out.append(Example(frames, tokens, glosses))
    return out


def collate(batch: list[Example]) -> dict:
    """Pad a list of examples into tensors: frames (B, T, V), frame_mask (B, T) True on padding,
    tokens (B, L) with 0 padding, and, with glosses, CTC targets and lengths."""
    import torch

    frames = max(len(e.frames) for e in batch)
    tokens = max(len(e.tokens) for e in batch)
    out = {
        "frames": torch.zeros(len(batch), frames, batch[0].frames.shape[1]),
        "frame_mask": torch.ones(len(batch), frames, dtype=torch.bool),
        "tokens": torch.zeros(len(batch), tokens, dtype=torch.long),
    }
    for i, example in enumerate(batch):
        out["frames"][i, : len(example.frames)] = torch.from_numpy(example.frames)
        out["frame_mask"][i, : len(example.frames)] = False
        out["tokens"][i, : len(example.tokens)] = torch.tensor(example.tokens)
    if batch[0].glosses is not None:
        out["gloss_targets"] = torch.tensor([g for e in batch for g in e.glosses], dtype=torch.long)
        out["gloss_lengths"] = torch.tensor([len(e.glosses) for e in batch], dtype=torch.long)
    return out


def loss(model, batch: dict, gloss_weight: float = 1.0, label_smoothing: float = 0.0):
    """Text cross-entropy (teacher forcing, optional label smoothing) + ``gloss_weight`` x CTC.

    Returns:
        ``(loss, {"translation": .., "recognition": ..})``.
    """
    import torch.nn.functional as F

    tokens = batch["tokens"]
    logits, gloss_logits = model(batch["frames"], batch["frame_mask"], tokens[:, :-1])
    translation = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), tokens[:, 1:].reshape(-1),
                                  ignore_index=0, label_smoothing=label_smoothing)  # fmt: skip
    parts = {"translation": translation.item()}
    total = translation
    if gloss_logits is not None and "gloss_targets" in batch and gloss_weight > 0:
        log_probs = gloss_logits.float().log_softmax(-1).transpose(0, 1)  # (T, B, C)
        lengths = (~batch["frame_mask"]).sum(1)
        recognition = F.ctc_loss(log_probs, batch["gloss_targets"], lengths, batch["gloss_lengths"], blank=0,
                                 zero_infinity=True)  # fmt: skip
        total = total + gloss_weight * recognition
        parts["recognition"] = recognition.item()
    return total, parts


def translate(model, tokenizer, sequences: list[Sequence], batch_size: int = 32, beam: int = 1,
              alpha: float = 1.0, device: str = "cpu") -> list[str]:  # fmt: skip
    """Back-translate sequences to text, batched.

    Args:
        model: a trained model (:func:`load`).
        tokenizer: its tokenizer.
        sequences: poses with the model's values per frame.
        batch_size: sequences encoded together.
        beam: 1 for greedy decoding, else the beam width (scores: sum of log-probabilities
            divided by length ** ``alpha``, as in Sign Language Transformers).
        alpha: length penalty exponent for beam search.
        device: torch device.

    Returns:
        One sentence per sequence, in order, on one line (whitespace runs, newlines included,
        become one space).

    Raises:
        SignkitError: a sequence with another number of values per frame than the model's.
    """
    import torch

    model.eval().to(device)
    texts = []
    for start in range(0, len(sequences), batch_size):
        chunk = sequences[start : start + batch_size]
        batch = collate([Example(_checked(s, model.config), [1], None) for s in chunk])
        frames, mask = batch["frames"].to(device), batch["frame_mask"].to(device)
        with torch.no_grad():
            memory = model.encode(frames, mask)
            if beam <= 1:
                ids = _greedy(model, memory, mask)
            else:
                ids = [_beam(model, memory[i : i + 1], mask[i : i + 1], beam, alpha) for i in range(len(chunk))]
        # one line per sequence, whatever bytes an undertrained model writes
        texts += [" ".join(tokenizer.decode(sentence).split()) for sentence in ids]
    return texts


def _checked(sequence: Sequence, config: BackTranslationConfig) -> np.ndarray:
    """The sequence's frames, checked against the model and cut to its ``max_frames``."""
    frames = frames_of(sequence)
    if frames.shape[1] != config.values:
        raise SignkitError(f"sequence {sequence.name} has {frames.shape[1]} values a frame; the model reads "
                           f"{config.values} (convert with --layout pt50)")  # fmt: skip
    return frames[: config.max_frames]


def _greedy(model, memory, mask) -> list[list[int]]:
    import torch

    batch = memory.shape[0]
    tokens = torch.ones(batch, 1, dtype=torch.long, device=memory.device)
    done = torch.zeros(batch, dtype=torch.bool, device=memory.device)
    for _ in range(model.config.max_tokens):
        next_token = model.decode(memory, mask, tokens)[:, -1].argmax(-1)
        next_token = torch.where(done, torch.zeros_like(next_token), next_token)
        tokens = torch.cat([tokens, next_token[:, None]], 1)
        done |= next_token == 2
        if done.all():
            break
    return [[t for t in row[1:].tolist() if t > 2] for row in tokens]


def _beam(model, memory, mask, width: int, alpha: float) -> list[int]:
    import torch

    beams = [([1], 0.0)]
    finished: list[tuple[list[int], float]] = []
    for _ in range(model.config.max_tokens):
        tokens = torch.tensor([b[0] for b in beams], device=memory.device)
        logp = model.decode(memory.expand(len(beams), -1, -1), mask.expand(len(beams), -1), tokens)[:, -1]
        logp = logp.float().log_softmax(-1)
        candidates = []
        for (ids, score), row in zip(beams, logp):
            top = row.topk(width)
            candidates += [(ids + [int(t)], score + float(v)) for v, t in zip(top.values, top.indices)]
        candidates.sort(key=lambda c: c[1], reverse=True)
        beams = []
        for ids, score in candidates:
            if ids[-1] == 2:
                finished.append((ids, score / (len(ids) - 1) ** alpha))
            elif len(beams) < width:
                beams.append((ids, score))
            if len(beams) == width:
                break
        # Stop when no live beam could still beat the best finished one on the normalised score.
        if not beams or (finished and max(f[1] for f in finished) >= max(b[1] / (len(b[0]) - 1) ** alpha for b in beams)):
            break
    finished += [(ids, score / (len(ids) - 1) ** alpha) for ids, score in beams]
    best = max(finished, key=lambda f: f[1])[0]
    return [t for t in best[1:] if t > 2]


def save(model, tokenizer, gloss_vocabulary: dict[str, int] | None, folder: str | Path, options: dict) -> None:
    """Write a model folder (see the module docstring)."""
    from safetensors.torch import save_model

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_model(model, str(folder / "model.safetensors"))
    tokenizer.save(str(folder / "tokenizer.json"))
    if gloss_vocabulary:
        glosses = sorted(gloss_vocabulary, key=gloss_vocabulary.get)
        (folder / "glosses.txt").write_text("\n".join(glosses) + "\n", encoding="utf-8")
    write_config(folder, "backtranslation", model.config, options)


def load(folder: str | Path, device: str = "cpu"):
    """Read a model folder; returns ``(model, tokenizer)``.

    Raises:
        SignkitError: not a back-translation model folder, or unreadable files.
    """
    from safetensors.torch import load_model
    from tokenizers import Tokenizer

    with model_folder(folder, "backtranslation", BackTranslationConfig, "back-translation model") as (config, _):
        model = build_model(config)
        load_model(model, str(Path(folder) / "model.safetensors"))
        tokenizer = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
    return model.to(device).eval(), tokenizer
