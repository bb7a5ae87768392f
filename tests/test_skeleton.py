"""Skeleton drawing: real PT-50 and holistic poses, fitting, orientation, colours, bad input."""

import numpy as np
import pytest
from pose_format import Pose

from signkit.errors import SignkitError
from signkit.pose.layouts import (BODY8_COLORS, HAND_COLORS, PT50_LEFT_HAND, PT50_LSHOULDER,
                                  PT50_RIGHT_HAND, PT50_RSHOULDER, holistic_header, pt50_header)  # fmt: skip
from signkit.pose.sequence import make_pose
from signkit.renderer.skeleton import MARGIN, draw_skeleton, skeleton_pixels

WHITE = np.array([255, 255, 255], dtype=np.uint8)


@pytest.fixture
def pt50_pose(data) -> Pose:
    """The first PHOENIX14T dev sentence of Progressive Transformers' .skels (PT-50, 25 fps)."""
    line = (data / "phoenix14t" / "sample" / "dev.skels").read_text(encoding="utf-8").splitlines()[0]
    values = np.array(line.split(), dtype=np.float32)
    frames = values.reshape(-1, 151)[:, :150].reshape(-1, 50, 3)  # 50 joints x XYZ, then a counter
    return make_pose(pt50_header(), frames, None, 25.0)


@pytest.fixture
def holistic_pose(data) -> Pose:
    """The ASL lexicon's "book" (MediaPipe Holistic): both hands visible in 35 of 58 frames."""
    return Pose.read((data / "asl-lexicon" / "ase" / "book.pose").read_bytes())


def _check_frames(frames: list[np.ndarray], count: int, width: int, height: int) -> None:
    """Right shape and type; something drawn in every frame; the signer never touches the border."""
    assert len(frames) == count
    for frame in frames:
        assert frame.shape == (height, width, 3) and frame.dtype == np.uint8
        ink = (frame != WHITE).any(axis=-1)
        assert ink.any()
        border = np.concatenate([ink[0], ink[-1], ink[:, 0], ink[:, -1]])
        assert not border.any()


def _share_in_colour(frames, pixels, drawn, points: slice, colours) -> float:
    """Fraction of the drawn points of a slice whose pixel has the point's colour (up to 8 levels)."""
    hits = total = 0
    for frame, xy, ok in zip(frames, pixels[:, points], drawn[:, points]):
        for (x, y), present, colour in zip(np.rint(xy).astype(int), ok, colours):
            if present:
                total += 1
                hits += bool(np.abs(frame[y, x].astype(int) - colour).max() <= 8)
    assert total > 0
    return hits / total


def test_pt50_frames_fit_and_stay_in_view(pt50_pose):
    frames = list(draw_skeleton(pt50_pose))
    _check_frames(frames, len(pt50_pose.body.data), 512, 512)
    pixels, drawn = skeleton_pixels(pt50_pose)
    assert drawn.all()  # PT-50 data from Progressive Transformers has every joint
    inside = pixels[drawn]
    assert inside.min() >= MARGIN * 512 - 1e-6 and inside.max() <= (1 - MARGIN) * 512 + 1e-6
    # One scale for the sequence: the bounding box fills the frame less the margin in one direction.
    extent = inside.max(axis=0) - inside.min(axis=0)
    assert extent.max() == pytest.approx((1 - 2 * MARGIN) * 512)
    data = np.ma.getdata(pt50_pose.body.data[:, 0, :, :2])
    drawn_length = np.linalg.norm(pixels[:, 2] - pixels[:, 1], axis=-1)  # neck to right shoulder
    scale = drawn_length / np.linalg.norm(data[:, 2] - data[:, 1], axis=-1)
    assert np.allclose(scale, scale[0])


def test_pt50_viewer_faces_the_signer(pt50_pose):
    frames = list(draw_skeleton(pt50_pose))
    pixels, _ = skeleton_pixels(pt50_pose)
    right, left = pixels[:, PT50_RSHOULDER], pixels[:, PT50_LSHOULDER]
    assert (right[:, 0] < 256).all() and (left[:, 0] > 256).all()
    # The shoulder joint dots are drawn there, in OpenPose's colours (up to anti-aliasing), unless
    # a hand (drawn on top) covers them.
    right_px, left_px = np.rint(right).astype(int), np.rint(left).astype(int)
    seen = [np.abs(frame[yr, xr].astype(int) - BODY8_COLORS[PT50_RSHOULDER]).max() <= 8
            and np.abs(frame[yl, xl].astype(int) - BODY8_COLORS[PT50_LSHOULDER]).max() <= 8
            for frame, (xr, yr), (xl, yl) in zip(frames, right_px, left_px)]  # fmt: skip
    assert np.mean(seen) > 0.9


def test_pt50_both_hands_in_hand_colours(pt50_pose):
    frames = list(draw_skeleton(pt50_pose))
    pixels, drawn = skeleton_pixels(pt50_pose)
    for hand in (PT50_LEFT_HAND, PT50_RIGHT_HAND):
        assert _share_in_colour(frames, pixels, drawn, hand, HAND_COLORS) > 0.6


def test_line_widths_and_fit_scale_with_frame_size(pt50_pose):
    small = next(draw_skeleton(pt50_pose, width=256, height=192))
    large = next(draw_skeleton(pt50_pose, width=1024, height=768))
    assert small.shape == (192, 256, 3) and large.shape == (768, 1024, 3)
    ink_small = (small != WHITE).any(axis=-1).sum()
    ink_large = (large != WHITE).any(axis=-1).sum()
    # 4x the length and 3-4x the line width: far more than the 4x of lines of fixed width.
    assert 8 < ink_large / ink_small < 20


def test_holistic_upper_body_hands_and_face(holistic_pose):
    frames = list(draw_skeleton(holistic_pose, background=(0, 0, 0)))
    assert len(frames) == len(holistic_pose.body.data)
    assert all((frame != 0).any() for frame in frames)
    pixels, drawn = skeleton_pixels(holistic_pose)
    counts = [len(c.points) for c in holistic_pose.header.components]
    starts = np.cumsum([0] + counts)
    names = [c.name for c in holistic_pose.header.components]
    body = names.index("POSE_LANDMARKS")
    assert not drawn[:, starts[body] + 23 : starts[body + 1]].any()  # no hips or legs
    assert drawn[:, starts[body] + 11 : starts[body] + 17].any()  # shoulders, elbows, wrists
    if "POSE_WORLD_LANDMARKS" in names:
        world = names.index("POSE_WORLD_LANDMARKS")
        assert not drawn[:, starts[world] : starts[world + 1]].any()
    assert drawn[:, starts[names.index("FACE_LANDMARKS")] : starts[names.index("FACE_LANDMARKS") + 1]].any()
    inside = pixels[drawn]
    assert inside.min() >= MARGIN * 512 - 1e-6 and inside.max() <= (1 - MARGIN) * 512 + 1e-6
    for name in ("LEFT_HAND_LANDMARKS", "RIGHT_HAND_LANDMARKS"):
        index = names.index(name)
        colours = [tuple(int(v) for v in c) for c in holistic_pose.header.components[index].colors]
        assert _share_in_colour(frames, pixels, drawn, slice(starts[index], starts[index + 1]), colours) > 0.5


def _pt50(frames: int, confidence: float = 1.0) -> Pose:
    rng = np.random.default_rng(0)
    data = rng.uniform(-0.5, 0.5, size=(frames, 50, 3))
    return make_pose(pt50_header(), data, np.full((frames, 50), confidence), 25.0)


def test_frame_without_points_is_background():
    pose = _pt50(3)
    pose.body.confidence[1] = 0
    pose.body.data.mask[1] = True
    frames = list(draw_skeleton(pose, width=64, height=48, background=(10, 20, 30)))
    assert (frames[1] == (10, 20, 30)).all()
    assert (frames[0] != (10, 20, 30)).any(axis=-1).any()


def test_holistic_hips_and_far_points_are_not_drawn():
    header = holistic_header(width=1000, height=1000)
    points = header.total_points()
    data = np.full((2, points, 3), 500.0)
    data[:, :33, 1] = np.linspace(100, 900, 33)  # body points spread downwards
    data[1, 11, 0] = 5000  # far outside the 1000x1000 source image
    pose = make_pose(header, data, None, 30.0)
    _, drawn = skeleton_pixels(pose)
    assert drawn[:, 11:17].sum() == 11 and not drawn[1, 11]
    assert not drawn[:, 23:33].any() and not drawn[:, :11].any()
    assert not drawn[:, points - 33 :].any()  # POSE_WORLD_LANDMARKS


@pytest.mark.parametrize(
    ("pose", "size", "message"),
    [
        (_pt50(0), (64, 64), "0 frames"),
        (_pt50(4, confidence=0.0), (64, 64), "no drawable point"),
        (_pt50(4), (0, 64), "frame size"),
    ],
)
def test_bad_input_raises(pose, size, message):
    with pytest.raises(SignkitError, match=message):
        draw_skeleton(pose, width=size[0], height=size[1])
