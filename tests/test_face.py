"""The face in production: the slrtp178 layout, its conversions, the face template, t2p, rendering
and the condition images (issue 20, item 1)."""

from __future__ import annotations

import numpy as np
from pose_format import Pose

from conftest import signkit
from signkit.pose.convert import image_points, to_pt50, to_slrtp178
from signkit.pose.face import FACE_TEMPLATE, complete_face
from signkit.pose.formats import read_skels
from signkit.pose.io import read_sequences
from signkit.pose.layouts import (
    FACE_CONTOURS,
    FACE_POINTS,
    FULL_FACE,
    SLRTP178,
    is_normalised,
    layout_of,
    openpose137_header,
    slrtp178_header,
)
from signkit.pose.sequence import make_pose, person0
from signkit.renderer.condition import Placement, pose_condition_images
from signkit.renderer.skeleton import draw_skeleton, skeleton_pixels

FACE = 8  # slrtp178's face starts after its 8 body points
LIPS = [FACE_POINTS.index(i) for i in (61, 185)]  # two neighbours on the outer lips' contour


def _dgs(data, name="test/test_1_original.pose") -> Pose:
    return Pose.read((data / "dgs-sentences" / name).read_bytes())


def test_slrtp178_is_the_dgs_sentences_header(data):
    """signkit's slrtp178 header has the DGS sentences' components, points and face limbs; their files are
    slrtp178 in pixels, signkit's in normalised units."""
    dgs = _dgs(data)
    ours = slrtp178_header()
    assert layout_of(dgs.header) == layout_of(ours) == SLRTP178
    assert [(c.name, c.points) for c in ours.components] == [(c.name, c.points) for c in dgs.header.components]
    assert {tuple(sorted(limb)) for limb in ours.components[1].limbs} == {
        tuple(sorted(limb)) for limb in dgs.header.components[1].limbs}  # fmt: skip
    assert not is_normalised(dgs.header) and is_normalised(ours)


def test_dgs_to_slrtp178_is_pt50s_convention_and_keeps_the_face_shape(data):
    """Normalised: the shoulders' midpoint at the origin, shoulder width 1/3, the signer's right shoulder at
    x > 0; the face's shape is the source's scaled (distances between face points keep their ratios);
    converting again changes nothing, and its PT-50 equals the source's PT-50."""
    dgs = _dgs(data)
    pose = to_slrtp178(dgs)
    points = person0(pose)[0]
    left, right = points[:, 0], points[:, 1]
    assert np.allclose((left + right) / 2, 0, atol=1e-6)
    assert np.allclose(np.linalg.norm((right - left)[:, :2], axis=-1), 1 / 3, atol=1e-5)
    assert (right[:, 0] > 0).all()
    source = person0(dgs)[0]
    for frame in (0, len(points) // 2):
        ratio = np.linalg.norm(np.diff(points[frame, FACE : FACE + 128, :2], axis=0), axis=-1) / np.linalg.norm(
            np.diff(source[frame, FACE : FACE + 128, :2], axis=0), axis=-1)  # fmt: skip
        assert np.allclose(ratio, ratio[0], rtol=1e-4)
    assert to_slrtp178(pose) is pose
    assert np.allclose(person0(to_pt50(pose))[0], person0(to_pt50(dgs))[0], atol=1e-5)


def test_holistic_to_slrtp178_keeps_exactly_the_tracked_face_points(data):
    """The ASL lexicon tracks 31 of the 128 contour points: those and no others are present; the nose
    estimated from them lies within 0.05 normalised units of MediaPipe Pose's nose."""
    hello = Pose.read((data / "asl-lexicon" / "ase" / "thirsty.pose").read_bytes())
    face = hello.body.confidence[:, 0, 33 : 33 + 478] > 0
    tracked = {i for i in range(478) if face[:, i].all()}
    pose = to_slrtp178(hello)
    present = pose.body.confidence[:, 0, FACE : FACE + 128] > 0
    assert {FACE_POINTS[i] for i in np.flatnonzero(present.all(axis=0))} == tracked & set(FACE_POINTS)
    assert len(tracked & set(FACE_POINTS)) == 31
    nose = person0(to_pt50(pose))[0][:, 0, :2] - person0(to_pt50(hello))[0][:, 0, :2]
    assert np.abs(nose).max() < 0.05


def test_openpose_face_lands_on_mediapipe_contours():
    """OpenPose's corners land on MediaPipe's: mouth corners 48/54 on 61/291, eye corners 36/39 on 33/133,
    the chin 8 on 152; points between follow the OpenPose contour; the forehead OpenPose lacks is missing."""
    rng = np.random.default_rng(0)
    data = rng.uniform(100, 500, (3, 137, 2)).astype(np.float32)
    pose = make_pose(openpose137_header(640, 640), data, None, 25.0)
    points, confidence = image_points(pose)
    face = points[:, FULL_FACE, :2]
    for openpose, mediapipe in ((48, 61), (54, 291), (36, 33), (39, 133), (8, 152), (17, 70), (26, 300)):
        assert np.allclose(face[:, FACE_POINTS.index(mediapipe)], data[:, 25 + openpose]), (openpose, mediapipe)
    # MediaPipe 0 (the upper lip's middle) is halfway along OpenPose's upper lip 48-54: point 51
    assert np.allclose(face[:, FACE_POINTS.index(0)], data[:, 25 + 51])
    assert (confidence[:, FULL_FACE.start + FACE_POINTS.index(10)] == 0).all()  # the forehead's top


def test_complete_face_keeps_an_open_mouth_seen_at_four_points():
    """A mouth opened three times as wide as the template's, seen only at its inner corners and middles:
    the filled inner lips open as wide; points seen are kept exactly."""
    inner = [FACE_POINTS.index(i) for i in FACE_CONTOURS["inner lips"][0]]
    middle = FACE_TEMPLATE[inner, 1].mean()
    opened = FACE_TEMPLATE.astype(np.float64).copy()
    opened[inner, 1] = middle + 3 * (FACE_TEMPLATE[inner, 1] - middle)
    seen = [FACE_POINTS.index(i) for i in (13, 14, 78, 308)]
    face = np.full((1, 128, 3), np.nan)
    face[0, seen] = opened[seen]
    filled = complete_face(face, np.zeros((1, 3)))[0]
    assert np.allclose(filled[seen], opened[seen], atol=1e-6)
    assert np.allclose(filled[inner, 1], opened[inner, 1], atol=1e-4)


def _segment_drawn(frame: np.ndarray, ends: np.ndarray, background: int) -> bool:
    """Whether the pixels around the middle of a segment differ from the background."""
    x, y = np.rint(ends.mean(axis=0)).astype(int)
    return bool(np.abs(frame[y - 1 : y + 2, x - 1 : x + 2].astype(int) - background).max() > 60)


def test_t2p_signs_with_a_moving_face_and_render_draws_it(data, tmp_path):
    """The ASL lexicon's signs carry a face: t2p makes slrtp178 (no missing point), through .skels as well;
    the mouth moves; the render draws the lips' contour; --layout pt50 makes PT-50 as before."""
    sentence = "Hello, thank you. My mother is happy today.\n"
    lexicon = str(data / "asl-lexicon")
    made = signkit("t2p", "--lexicon", lexicon, input=sentence)
    assert made.returncode == 0, made.stderr
    (sequence,) = read_skels(made.stdout.decode(), "-")
    assert sequence.layout == SLRTP178
    points = sequence.pose.body.data[:, 0].filled(np.nan)
    assert np.isfinite(points).all()
    lips = points[:, FACE + FACE_POINTS.index(13), 1] - points[:, FACE + FACE_POINTS.index(14), 1]
    assert lips.std() > 1e-3  # the mouth opens and closes
    frames = list(draw_skeleton(sequence.pose, 512, 512))
    pixels, drawn = skeleton_pixels(sequence.pose, 512, 512)
    for frame in (0, len(frames) // 2):
        assert drawn[frame, [FACE + i for i in LIPS]].all()
        assert _segment_drawn(frames[frame], pixels[frame, [FACE + i for i in LIPS]], 255)
    plain = signkit("t2p", "--lexicon", lexicon, "--layout", "pt50", input=sentence)
    assert [s.layout for s in read_skels(plain.stdout.decode(), "-")] == ["pt50"]


def test_condition_images_show_the_face(data):
    """ControlNet's condition images draw the face's contours where the pose has a face, and none from PT-50."""
    pose = to_slrtp178(_dgs(data))
    placement = Placement()
    image = next(iter(pose_condition_images(pose, 256, placement)))
    normalised = person0(pose)[0][0, [FACE + i for i in LIPS], :2] * [-1, 1]
    ends = np.array([placement.neck_x, placement.neck_y]) * 256 + normalised * 3 * placement.shoulder_width * 256
    assert _segment_drawn(image, ends, 0)
    pt50 = next(iter(pose_condition_images(to_pt50(pose), 256, placement)))
    assert not _segment_drawn(pt50, ends, 0)


def test_clean_keeps_the_face_with_layout_slrtp178(data, tmp_path):
    """clean --layout slrtp178 of a DGS sentence with every point tracked, untrimmed: the conversion itself."""
    source = data / "dgs-sentences" / "test" / "test_1_original.pose"
    result = signkit("clean", str(source), "--layout", "slrtp178", "--no-trim", "-o", str(tmp_path / "face.h5"))
    assert result.returncode == 0, result.stderr
    (cleaned,) = read_sequences(tmp_path / "face.h5")
    assert cleaned.layout == SLRTP178
    assert np.allclose(person0(cleaned.pose)[0], person0(to_slrtp178(_dgs(data)))[0], atol=1e-6)


def test_models_train_on_slrtp178_and_make_it(data, tmp_path):
    """clean --layout slrtp178 gives training data that train-t2p and train-bt read; the t2p model makes slrtp178
    (all 178 points, 534 values a frame), --layout pt50 drops the face, and back-translation reads it."""
    sentences = [str(data / "dgs-sentences" / "train" / f"train_{i}_original.pose") for i in (1, 2, 3)]
    train = str(tmp_path / "train.skels")
    assert signkit("clean", *sentences, "--texts", str(data / "dgs-sentences" / "train"), "--layout", "slrtp178",
                   "-o", train).returncode == 0  # fmt: skip
    tiny = ["--d-model", "16", "--heads", "2", "--layers", "1", "--feed-forward", "32", "--max-steps", "3",
            "--batch-size", "3", "--checkpointing-steps", "0"]  # fmt: skip
    for command, folder in (("train-t2p", "t2p"), ("train-bt", "bt")):
        trained = signkit(command, train, "-o", str(tmp_path / folder), *tiny)
        assert trained.returncode == 0, trained.stderr.decode()
    made = {}
    for layout in ("slrtp178", "pt50"):
        result = signkit("t2p", "--model", str(tmp_path / "t2p"), "--layout", layout, "-o", str(tmp_path / f"{layout}.h5"),
                         input="On Lanzarote for example\n")  # fmt: skip
        assert result.returncode == 0, result.stderr.decode()
        (made[layout],) = read_sequences(tmp_path / f"{layout}.h5")
    assert made["slrtp178"].layout == SLRTP178 and made["slrtp178"].pose.body.data.shape[2] == 178
    assert made["pt50"].layout == "pt50" and made["pt50"].frames == made["slrtp178"].frames
    back = signkit("backtranslate", str(tmp_path / "slrtp178.h5"), "--model", str(tmp_path / "bt"))
    assert back.returncode == 0 and len(back.stdout.decode().splitlines()) == 1, back.stderr.decode()
