"""A small corpus in How2Sign's exact layout, made from the real data in ../shared/data, to run
this recipe (and its test) without the How2Sign download:

    python sample.py ../../../shared/data out/How2Sign

MediaPipe Holistic runs on the real videos in ``videos/``; each clip's keypoints are written as
OpenPose JSON frames (BODY_25, face 70 left undetected, hands 21 + 21, ``<clip>_<frame:012d>_keypoints.json``,
pixels and confidence, the last frame with no one found, as OpenPose has some) under real How2Sign
sentence names, with the real How2Sign sentences of ``how2sign-text/`` in the realigned CSVs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from signkit.prep.extract import extract_video
from signkit.pose.layouts import component_slice
from signkit.pose.sequence import person0

# BODY_25 joint -> MediaPipe Pose landmark (Neck and MidHip are midpoints; small toes have none).
BODY_25 = {0: "NOSE", 2: "RIGHT_SHOULDER", 3: "RIGHT_ELBOW", 4: "RIGHT_WRIST", 5: "LEFT_SHOULDER",
           6: "LEFT_ELBOW", 7: "LEFT_WRIST", 9: "RIGHT_HIP", 10: "RIGHT_KNEE", 11: "RIGHT_ANKLE",
           12: "LEFT_HIP", 13: "LEFT_KNEE", 14: "LEFT_ANKLE", 15: "RIGHT_EYE", 16: "LEFT_EYE",
           17: "RIGHT_EAR", 18: "LEFT_EAR", 19: "LEFT_FOOT_INDEX", 21: "LEFT_HEEL", 22: "RIGHT_FOOT_INDEX",
           24: "RIGHT_HEEL"}  # fmt: skip
MIDPOINTS = {1: ("LEFT_SHOULDER", "RIGHT_SHOULDER"), 8: ("LEFT_HIP", "RIGHT_HIP")}
# MediaPipe never finds the left hand in asl_wrong_what.mp4: clean drops that clip.
SPLITS = {"train": ["asl_house.mp4", "asl_different.mp4", "asl_wrong_what.mp4"],
          "val": ["asl_different.mp4", "autsl_signer0_sample1000.mp4"],
          "test": ["autsl_signer0_sample1000.mp4", "asl_house.mp4"]}  # fmt: skip
DROPPED = 2  # the index in SPLITS["train"] of the clip without a left hand
CSV_COLUMNS = ["VIDEO_ID", "VIDEO_NAME", "SENTENCE_ID", "SENTENCE_NAME", "START_REALIGNED", "END_REALIGNED", "SENTENCE"]


def _openpose_frames(video: Path) -> list[dict]:
    """OpenPose JSON frames (BODY_25, face 70 left undetected, hands) from MediaPipe on a real video."""
    sequence = extract_video(video)
    header = sequence.pose.header
    data, confidence = person0(sequence.pose)
    body = {name: component_slice(header, "POSE_LANDMARKS").start + i
            for i, name in enumerate(header.components[0].points)}  # fmt: skip

    def flat(points, conf):
        out = np.concatenate([np.nan_to_num(points[:, :2]), conf[:, None]], -1)
        out[conf == 0] = 0.0  # OpenPose writes undetected points as 0, 0, 0
        return [round(float(v), 3) for v in out.ravel()]

    frames = []
    for t in range(len(data)):
        pose = np.zeros((25, 2))
        pose_conf = np.zeros(25)
        for joint, name in BODY_25.items():
            pose[joint], pose_conf[joint] = data[t, body[name], :2], confidence[t, body[name]]
        for joint, (a, b) in MIDPOINTS.items():
            pose[joint] = (data[t, body[a], :2] + data[t, body[b], :2]) / 2
            pose_conf[joint] = min(confidence[t, body[a]], confidence[t, body[b]])
        hands = [component_slice(header, f"{side}_HAND_LANDMARKS") for side in ("LEFT", "RIGHT")]
        person = {"person_id": [-1], "pose_keypoints_2d": flat(pose, pose_conf), "face_keypoints_2d": [0.0] * 210,
                  "hand_left_keypoints_2d": flat(data[t, hands[0], :2], confidence[t, hands[0]]),
                  "hand_right_keypoints_2d": flat(data[t, hands[1], :2], confidence[t, hands[1]]),
                  "pose_keypoints_3d": [], "face_keypoints_3d": [], "hand_left_keypoints_3d": [],
                  "hand_right_keypoints_3d": []}  # fmt: skip
        frames.append({"version": 1.3, "people": [person]})
    frames[-1]["people"] = []  # OpenPose finds no one in some frames
    return frames


def write_sample(root: Path, data: Path) -> dict[str, list[tuple[str, str]]]:
    """Write the sample corpus under ``root`` in How2Sign's layout (``root/sentence_level/{train,val,test}``).

    Returns split -> [(sentence name, sentence)] in the order written. Raises ``FileNotFoundError``
    when ``data`` lacks ``how2sign-text`` or ``videos``.
    """
    names = (data / "how2sign-text" / "test.ids").read_text(encoding="utf-8").splitlines()
    sentences = (data / "how2sign-text" / "test.en.txt").read_text(encoding="utf-8").splitlines()
    cache: dict[str, list[dict]] = {}
    written, row = {}, 0
    for split, videos in SPLITS.items():
        base = root / "sentence_level" / split
        lines = ["\t".join(CSV_COLUMNS)]
        written[split] = []
        for video in videos:
            name, sentence = names[row], sentences[row]
            row += 1
            frames = cache.setdefault(video, _openpose_frames(data / "videos" / video))
            clip = base / "rgb_front" / "features" / "openpose_output" / "json" / name
            clip.mkdir(parents=True)
            for t, frame in enumerate(frames):
                (clip / f"{name}_{t:012d}_keypoints.json").write_text(json.dumps(frame), encoding="utf-8")
            video_id, sentence_id = name.rsplit("_", 1)[0], name.rsplit("-", 2)[0]
            lines.append("\t".join([video_id, f"{video_id}-1-rgb_front", sentence_id, name, "0.0", f"{len(frames) / 24:.2f}",
                                    sentence]))  # fmt: skip
            written[split].append((name, sentence))
        csv = base / "text" / "en" / "raw_text" / "re_aligned" / f"how2sign_realigned_{split}.csv"
        csv.parent.mkdir(parents=True)
        csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python sample.py DATA ROOT")
    corpus = write_sample(Path(sys.argv[2]), Path(sys.argv[1]))
    print(f"{sum(map(len, corpus.values()))} clips in How2Sign's layout under {sys.argv[2]}", file=sys.stderr)
