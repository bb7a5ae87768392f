"""Paired training data of the diffusion renderer, in diffusers' image-folder layout.

:func:`build_pairs` turns videos and their keypoints into training pairs: ``metadata.jsonl`` (one
JSON object a line: ``file_name`` the target frame, ``pose_image``, ``frnet_image``, ``text`` the
prompt) beside ``image/``, ``pose/`` and ``frnet/`` PNG folders, and ``signkit_pairs.json``
(resolution, the training signer's :class:`~signkit.renderer.condition.Placement`, FR-Net
settings). Frames are squared as diffusers' training scripts do (shorter side scaled to the
resolution, centre crop). :class:`PairDataset` reads them back for training.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from signkit.errors import SignkitError
from signkit.renderer.condition import DRAWING, Placement
from signkit.renderer.frnet import FRNetConfig
from signkit.renderer.prompts import DEFAULT_PROMPT

METADATA, PAIRS = "metadata.jsonl", "signkit_pairs.json"


def build_pairs(videos: list[str], keypoints: list[str | None], folder: str | Path, resolution: int,
                prompt: str = DEFAULT_PROMPT, frnet_config: FRNetConfig = FRNetConfig(), every: int = 1,
                span: tuple[float, float] = (0.0, 1.0), on_frame: Callable[[int], None] | None = None) -> dict:  # fmt: skip
    """Write training pairs (target frame, pose image, FR-Net image, prompt) of videos.

    The pairs of SignDiff's dual-condition ControlNet (Fang et al.): the pose image drawn from the
    keypoints (:func:`signkit.renderer.condition.frame_condition`) and the FR-Net image of the
    target frame (:func:`signkit.renderer.frnet.frnet`). Frames without a neck are skipped.

    Args:
        videos: video files or PNG frame folders of signers.
        keypoints: for each video, a pose file (.pose or .h5 holding one sequence; holistic or
            openpose-137 in the video's pixels, one frame per video frame), or None to extract
            MediaPipe Holistic keypoints now.
        folder: the pair folder to write (created when missing).
        resolution: side of the square frames, in pixels (a multiple of 8).
        prompt: the ``text`` of every pair.
        frnet_config: FR-Net settings.
        every: keep every n-th frame (consecutive frames are near duplicates).
        span: the part of each video to take, as fractions of its frames: frame n (from 0) of N
            is taken when ``span[0] * N <= n < span[1] * N`` (``(0, 0.75)`` and ``(0.75, 1)``
            split every video into training and held-out frames).
        on_frame: called with 1 per video frame read (progress).

    A folder that holds pairs already (its ``metadata.jsonl``, written last, is there) is used
    again when they are of these videos, keypoints and settings, and refused otherwise; a folder
    whose build did not finish (no ``metadata.jsonl``) is emptied of its pairs and built again.

    Returns:
        The summary written to ``signkit_pairs.json``: ``resolution``, ``pairs`` (count),
        ``placement``, ``frnet``, ``prompt``, ``span``, ``every``, ``drawing`` (what the condition
        images show: :data:`~signkit.renderer.condition.DRAWING`), ``sources``.

    Raises:
        SignkitError: as many keypoint entries as videos are not given; a folder that holds
            pairs of other videos, keypoints or settings (naming which); an unreadable video or pose file, a video without frames, a pose file
            that does not hold exactly one sequence, keypoints of a layout without PT-50 mapping
            or without a frame showing both shoulders, MediaPipe missing (``keypoints`` None),
            keypoint and video frame counts that differ, a PNG that cannot be written, or no
            frame that shows a signer.
    """
    if len(keypoints) != len(videos):
        raise SignkitError(f"{len(videos)} videos but {len(keypoints)} keypoint files")
    folder = Path(folder)
    wanted = {"sources": [[str(video), str(keypoint_file) if keypoint_file else None]
                          for video, keypoint_file in zip(videos, keypoints)],
              "resolution": resolution, "prompt": prompt, "frnet": asdict(frnet_config), "span": list(span),
              "every": every, "drawing": DRAWING}  # fmt: skip
    if (folder / METADATA).exists():
        _, summary = read_pairs(folder)
        built = {**summary, "sources": [[source["video"], source["keypoints"]] for source in summary["sources"]]}
        differ = [key for key in wanted if built.get(key) != wanted[key]]
        if differ:
            raise SignkitError(f"{folder}: holds pairs of other videos or settings ({', '.join(differ)}); "
                               "give a new folder")  # fmt: skip
        return {**summary, "reused": True}
    for part in ("image", "pose", "frnet"):  # what a build that did not finish left goes
        shutil.rmtree(folder / part, ignore_errors=True)
        (folder / part).mkdir(parents=True)
    rows, placements, sources = [], [], []
    for video, keypoint_file in zip(videos, keypoints):
        made, pixels = _video_pairs(video, keypoint_file, folder, resolution, prompt, frnet_config, every, span, on_frame)
        rows += made
        placements.append(pixels)
        sources.append({"video": str(video), "keypoints": str(keypoint_file) if keypoint_file else None,
                        "frames": len(pixels), "pairs": len(made)})  # fmt: skip
    if not rows:
        raise SignkitError(f"no frame of {', '.join(videos)} shows a signer (neck and shoulders)")
    placement = Placement.of(np.concatenate(placements), resolution)
    summary = {"resolution": resolution, "pairs": len(rows), "placement": asdict(placement),
               "frnet": asdict(frnet_config), "prompt": prompt, "span": list(span), "every": every,
               "drawing": DRAWING, "sources": sources}  # fmt: skip
    (folder / PAIRS).write_text(json.dumps(summary, indent=1), encoding="utf-8")
    temporary = folder / f".{METADATA}.tmp"
    temporary.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    os.replace(temporary, folder / METADATA)  # last: a folder with metadata.jsonl is complete
    return summary


def _video_pairs(video: str, keypoint_file: str | None, folder: Path, resolution: int, prompt: str,
                 frnet_config: FRNetConfig, every: int, span: tuple[float, float], on_frame) -> tuple[list[dict], np.ndarray]:  # fmt: skip
    """Write one video's pairs; returns their metadata rows and the PT-50 pixels (frames, 50, 2)
    of the frames taken (NaN rows for the others), for the placement."""
    from itertools import chain

    from signkit.pose.io import read_sequences
    from signkit.renderer.condition import frame_condition, square_frame
    from signkit.renderer.frnet import frnet
    from signkit.video import read_frames

    frames = iter(read_frames(Path(video))[0])
    first = next(frames, None)
    if first is None:
        raise SignkitError(f"{video}: no frames")
    frames = chain([first], frames)
    if keypoint_file is None:
        from signkit.prep.extract import holistic_of_frames

        frames = list(frames)  # read twice: MediaPipe, then the pairs
        pose = holistic_of_frames(frames, str(video))
    else:
        sequences = list(read_sequences(keypoint_file))
        if len(sequences) != 1:
            raise SignkitError(f"{keypoint_file}: holds {len(sequences)} sequences; give one per video")
        pose = sequences[0].pose
    total = len(pose.body.data)
    height, width = first.shape[:2]
    images, pixels = frame_condition(pose, width, height, resolution, str(keypoint_file or video))
    stem = Path(video).stem if Path(video).is_file() else Path(video).name
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)
    rows, taken, count = [], np.zeros(total, dtype=bool), 0
    for count, (condition, frame) in enumerate(zip(images, frames), start=1):  # images first: no frame lost
        if on_frame is not None:
            on_frame(1)
        index = count - 1
        if not (span[0] * total <= index < span[1] * total) or index % every or not np.isfinite(pixels[index, 1]).all():
            continue  # outside the span, skipped, or no neck: no signer to condition on
        target = square_frame(frame, resolution)
        name = f"{stem}_{count:06d}.png"
        for part, image in (("image", target), ("pose", condition), ("frnet", frnet(target, frnet_config))):
            _write_png(folder / part / name, image)
        rows.append({"file_name": f"image/{name}", "pose_image": f"pose/{name}", "frnet_image": f"frnet/{name}",
                     "text": prompt})  # fmt: skip
        taken[index] = True
    count += sum(1 for _ in frames)  # video frames beyond the keypoints
    if count != total:
        raise SignkitError(f"{keypoint_file or video}: {total} keypoint frames for the {count} frames of {video}")
    return rows, np.where(taken[:, None, None], pixels, np.nan)


def _write_png(path: Path, image: np.ndarray) -> None:
    import cv2

    if not cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR)):
        raise SignkitError(f"{path}: cannot write PNG")


def read_pairs(folder: str | Path) -> tuple[list[dict], dict]:
    """The rows of a pair folder's ``metadata.jsonl`` and its ``signkit_pairs.json`` summary.

    Args:
        folder: a pair folder of :func:`build_pairs`.

    Returns:
        ``(rows, summary)``: one dict per pair (``file_name``, ``pose_image``, ``frnet_image``,
        ``text``; paths relative to ``folder``), and the summary dict.

    Raises:
        SignkitError: a missing or unreadable file, a line that is not a JSON object with the
            four keys (``FILE:LINE``), a named image that does not exist, or no pairs.
    """
    folder = Path(folder)
    try:
        summary = json.loads((folder / PAIRS).read_text(encoding="utf-8"))
        lines = (folder / METADATA).read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError) as error:
        raise SignkitError(f"{folder}: not a pair folder of signkit train-diff ({type(error).__name__}: {error})") from None
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            names = [row["file_name"], row["pose_image"], row["frnet_image"]]
            str(row["text"])
        except (ValueError, KeyError, TypeError) as error:
            raise SignkitError(f"{folder / METADATA}:{number}: not a pair ({type(error).__name__}: {error})") from None
        for name in names:
            if not (folder / name).is_file():
                raise SignkitError(f"{folder / METADATA}:{number}: {name}: no such image")
        rows.append(row)
    if not rows:
        raise SignkitError(f"{folder / METADATA}: no pairs")
    return rows, summary


def read_image(path: Path) -> np.ndarray:
    """An image file as RGB uint8 (height, width, 3), decoded by OpenCV (``cv2.imread``).

    Raises:
        SignkitError: the file cannot be decoded.
    """
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise SignkitError(f"{path}: cannot decode image")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


class PairDataset:
    """A pair folder as a map-style dataset of ``{"image", "condition", "text"}``: the target
    frame float32 (3, R, R) in -1..1, the condition float32 (6, R, R) in 0..1 (pose RGB, then
    FR-Net RGB) and the prompt; images are read when an example is taken. R is the pairs'
    resolution in pixels.

    Args:
        folder: a pair folder of :func:`build_pairs`.

    Raises:
        SignkitError: on construction, as :func:`read_pairs`; when an example is taken, an image
            that cannot be decoded.
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.rows, self.summary = read_pairs(folder)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> dict:
        row = self.rows[index]
        target = read_image(self.folder / row["file_name"])
        condition = np.concatenate([read_image(self.folder / row["pose_image"]), read_image(self.folder / row["frnet_image"])], -1)
        return {"image": (target.transpose(2, 0, 1).astype(np.float32) / 127.5 - 1.0),
                "condition": condition.transpose(2, 0, 1).astype(np.float32) / 255.0, "text": row["text"]}


def collate_pairs(examples: list[dict]) -> dict:
    """Examples of :class:`PairDataset` to a batch: ``image`` (B, 3, R, R) float32 in -1..1 and
    ``condition`` (B, 6, R, R) float32 in 0..1 tensors, ``text`` a list of B prompts."""
    import torch

    return {"image": torch.from_numpy(np.stack([e["image"] for e in examples])),
            "condition": torch.from_numpy(np.stack([e["condition"] for e in examples])),
            "text": [e["text"] for e in examples]}  # fmt: skip
