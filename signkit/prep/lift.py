"""Lifting 2D keypoints to 3D with a skeletal model (``signkit lift3d``).

The approach of Zelinka & Kanis ("Neural Sign Language Synthesis: Words Are Our Glosses",
WACV 2020), whose 3D estimates Progressive Transformers trained on (Saunders et al., 2020):

1. The layout's limbs form a kinematic tree (:class:`Skeleton`); a limb and its mirror image
   (left and right arm, left and right hand) share one bone length.
2. Per sequence, each bone's length starts as the robust median over frames of its observed
   length (3D where the input has depth, such as MediaPipe's z, otherwise 2D).
3. Every frame is a root position plus one direction per limb; points are the root plus the
   sum of bone length times unit direction along the path to them, so bone lengths are the
   same in every frame by construction. Directions start from the 2D limb plus the depth that
   the bone length leaves (towards the camera, as Zelinka & Kanis start), or from the input's
   depth where it has one.
4. Bone lengths (per sequence), roots and directions (per frame) are optimised together with
   Adam, all frames of a batch of sequences at once, on the loss

       sum_t,j w_tj ||P_tj,xy - x_tj||^2 / sum w
           + smoothness * mean_t,j ||P_t+1,j - 2 P_tj + P_t-1,j||^2  +  length * mean_b L_b

   (orthographic projection; ``w`` the confidence, 0 for missing points; the acceleration
   term only within a sequence; the length term, as in Zelinka & Kanis, keeps bones from
   growing into depth where the 2D points do not ask for it). A fixed number of steps (200)
   stops early on purpose: on the PHOENIX14T sample, MPJPE rises slowly with more steps.
5. Correction of joints that land out of place: depth is ambiguous in sign, so a limb whose
   depth direction flips against the majority of its neighbouring frames (window 5) is
   mirrored back in depth, which keeps its length and its projection.

Coordinates are handled per sequence in units of its median 2D shoulder width, so the weights
do not depend on the image size.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

import numpy as np
from pose_format.pose_header import PoseHeader

from signkit.errors import SignkitError
from signkit.prep.clean import repair
from signkit.pose.convert import normalise_pt50, pt50_image_points
from signkit.pose.layouts import (
    HOLISTIC,
    PT50,
    PT50_LSHOULDER,
    PT50_RSHOULDER,
    component_slice,
    pt50_header,
)
from signkit.pose.sequence import Sequence, make_pose, person0

# The parts of each layout that are lifted, the links between them and the root of the tree.
_PT50_PARTS = ("BODY", "LEFT_HAND", "RIGHT_HAND")
_PT50_LINKS = ((("BODY", "LWrist"), ("LEFT_HAND", "BASE")), (("BODY", "RWrist"), ("RIGHT_HAND", "BASE")))
_PT50_ROOT = ("BODY", "Neck")
_HOLISTIC_PARTS = ("POSE_LANDMARKS", "LEFT_HAND_LANDMARKS", "RIGHT_HAND_LANDMARKS")
_HOLISTIC_LINKS = ((("POSE_LANDMARKS", "LEFT_WRIST"), ("LEFT_HAND_LANDMARKS", "WRIST")),
                   (("POSE_LANDMARKS", "RIGHT_WRIST"), ("RIGHT_HAND_LANDMARKS", "WRIST")))  # fmt: skip
_HOLISTIC_ROOT = ("POSE_LANDMARKS", "RIGHT_SHOULDER")
_HOLISTIC_SHOULDERS = ("LEFT_SHOULDER", "RIGHT_SHOULDER")


@dataclass(frozen=True)
class Skeleton:
    """A kinematic tree over some points of a layout (the skeletal model of Zelinka & Kanis, 2020).

    Attributes:
        points: (J,) indices of the tree's points in the layout's flat point order; tree point
            ``j`` is layout point ``points[j]``; tree point 0 is the root.
        limbs: (L, 2) parent and child (tree point indices), parents before children.
        bones: (L,) the bone (shared length) of each limb; mirror-image limbs share one.
        ancestors: (J, L) float32, 1 where limb ``l`` lies on the path from the root to ``j``.
    """

    points: np.ndarray
    limbs: np.ndarray
    bones: np.ndarray
    ancestors: np.ndarray

    @property
    def bone_count(self) -> int:
        """Number of distinct bone lengths."""
        return int(self.bones.max()) + 1 if len(self.bones) else 0


def _mirror(name: str) -> str:
    """The name of the mirror-image point or component: LEFT/RIGHT, Left/Right, LWrist/RWrist."""
    if re.search(r"LEFT|RIGHT", name):
        return re.sub(r"LEFT|RIGHT", lambda m: "RIGHT" if m.group() == "LEFT" else "LEFT", name)
    if re.match(r"[LR][A-Z]", name):
        return ("R" if name[0] == "L" else "L") + name[1:]
    return name


def skeleton_of(header: PoseHeader, parts, links, root) -> Skeleton:
    """Build the kinematic tree over the components ``parts`` of a header.

    Args:
        header: the layout.
        parts: names of the components whose points are lifted.
        links: ((component, point), (component, point)) limbs added between components.
        root: (component, point) of the root.

    The limbs of the parts and the links form a graph; a breadth-first search from the root
    (neighbours in point order) keeps the first limb that reaches each point. A connected piece
    that no limb reaches (in MediaPipe's pose: the mouth, the face) is joined to the root by a
    limb to its first point.

    Returns:
        The :class:`Skeleton`: J tree points (every point of ``parts``), J - 1 limbs; a limb and
        its mirror image (names with LEFT/RIGHT, Left/Right or a leading L/R swapped) share a bone.

    Raises:
        SignkitError: a named component or point is not in the header.
    """
    index: dict[tuple[str, str], int] = {}
    edges: set[tuple[int, int]] = set()
    components = {c.name: c for c in header.components}
    for part in parts:
        if part not in components:
            raise SignkitError(f"the pose has no component {part}")
        offset = component_slice(header, part).start
        component = components[part]
        index.update({(part, point): offset + i for i, point in enumerate(component.points)})
        edges.update((offset + a, offset + b) for a, b in component.limbs)

    def point(name: tuple[str, str]) -> int:
        if name not in index:
            raise SignkitError(f"the pose has no point {name[1]} in {name[0]}")
        return index[name]

    edges.update((point(a), point(b)) for a, b in links)
    neighbours: dict[int, list[int]] = {p: [] for p in index.values()}
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    names = {p: name for name, p in index.items()}
    order, parent = [point(root)], {point(root): -1}
    for start in [point(root)] + sorted(neighbours):
        if start not in parent:  # an unreached piece: joined to the root
            parent[start] = point(root)
            order.append(start)
        queue = deque([start])
        while queue:
            current = queue.popleft()
            for nxt in sorted(neighbours[current]):
                if nxt not in parent:
                    parent[nxt] = current
                    order.append(nxt)
                    queue.append(nxt)
    position = {p: j for j, p in enumerate(order)}
    limbs = np.array([(position[parent[p]], position[p]) for p in order[1:]], dtype=np.int64).reshape(-1, 2)
    bone_ids: dict[tuple, int] = {}
    bones = []
    for p in order[1:]:
        key = (names[parent[p]], names[p])
        mirrored = tuple((_mirror(c), _mirror(n)) for c, n in key)
        bones.append(bone_ids.setdefault(key, bone_ids.get(mirrored, len(set(bone_ids.values())))))
    ancestors = np.zeros((len(order), len(limbs)), dtype=np.float32)
    for limb, (_, child) in enumerate(limbs):
        ancestors[child] = ancestors[limbs[limb, 0]]
        ancestors[child, limb] = 1.0
    return Skeleton(np.array(order), limbs, np.array(bones, dtype=np.int64), ancestors)


def pt50_skeleton() -> Skeleton:
    """The PT-50 tree: rooted at the neck, hands joined at the body's wrists.

    Returns:
        A :class:`Skeleton` over all 50 PT-50 points (Progressive Transformers, Saunders et al.,
        2020): 49 limbs, left and right arm and hand sharing bone lengths.
    """
    return skeleton_of(pt50_header(), _PT50_PARTS, _PT50_LINKS, _PT50_ROOT)


def solve(xy: np.ndarray, weight: np.ndarray, depth: np.ndarray | None, skeleton: Skeleton,
          sequence: np.ndarray, *, iterations: int = 200, learning_rate: float = 0.02,
          smoothness: float = 0.1, length: float = 0.01, device: str = "cpu") -> np.ndarray:  # fmt: skip
    """Fit the skeletal model to the frames of a batch of sequences (Zelinka & Kanis, 2020).

    Minimises the loss of the module docstring with ``torch.optim.Adam``, then mirrors in depth
    the limbs whose depth direction flips against their neighbouring frames (window 5).

    Args:
        xy: (N, J, 2) float, the tree's points (``skeleton.points`` order) of N frames, in units
            of the sequence's shoulder width, image axes; NaN where missing.
        weight: (N, J) confidence weights, 0 for missing points.
        depth: (N, J) starting depth (same units, z away from the camera), NaN where missing,
            or None to start from the bone lengths alone.
        skeleton: the tree.
        sequence: (N,) int, the sequence of each frame (0..S-1, frames of a sequence in order
            and together); bone lengths are per sequence and smoothness stays within one.
        iterations: Adam steps.
        learning_rate: Adam's step size.
        smoothness: weight of the mean squared acceleration.
        length: weight of the mean bone length.
        device: torch device.

    Returns:
        (N, J, 3) float32 points in the units of ``xy`` (x, y image axes, z away from the camera);
        each bone has one length per sequence in every frame.
    """
    import torch

    frames, joints = xy.shape[:2]
    weight = np.where(np.isfinite(xy).all(-1), weight, 0.0)
    start = np.concatenate([xy, np.full((frames, joints, 1), np.nan) if depth is None else depth[..., None]], -1)
    start = _fill(start, sequence, skeleton)
    parents, children = skeleton.limbs[:, 0], skeleton.limbs[:, 1]
    vectors = start[:, children] - start[:, parents]  # (N, L, 3)
    sequences = int(sequence.max()) + 1

    # Bone lengths: the median over frames of observed limbs (3D with depth, else 2D), pooled
    # over mirror-image limbs.
    observed = (weight[:, parents] > 0) & (weight[:, children] > 0)
    if depth is not None:
        observed &= np.isfinite(depth[:, parents]) & np.isfinite(depth[:, children])
    measured = np.linalg.norm(vectors if depth is not None else vectors[..., :2], axis=-1)
    lengths = np.empty((sequences, skeleton.bone_count))
    for s in range(sequences):
        rows = sequence == s
        measured_rows, observed_rows = measured[rows], observed[rows]
        for bone in range(skeleton.bone_count):
            values = measured_rows[:, skeleton.bones == bone]
            seen = values[observed_rows[:, skeleton.bones == bone]]
            lengths[s, bone] = np.median(seen) if seen.size else np.median(values)
    lengths = np.maximum(lengths, 1e-3)

    # Directions: where depth is unknown, the depth the bone length leaves, towards the camera.
    bone_length = lengths[sequence][:, skeleton.bones]
    if depth is None:
        vectors[..., 2] = -np.sqrt(np.maximum(bone_length**2 - (vectors[..., :2] ** 2).sum(-1), 0.0)) - 1e-3 * bone_length

    def as_tensor(array) -> torch.Tensor:
        return torch.as_tensor(np.asarray(array, dtype=np.float32), device=device)

    target, w = as_tensor(np.nan_to_num(xy)), as_tensor(weight)
    ancestors = as_tensor(skeleton.ancestors)
    frame_sequence = torch.as_tensor(sequence, device=device)
    bones = torch.as_tensor(skeleton.bones, device=device)
    same = (frame_sequence[2:] == frame_sequence[1:-1]) & (frame_sequence[1:-1] == frame_sequence[:-2])
    log_length = torch.nn.Parameter(as_tensor(np.log(lengths)))
    root_xy = torch.nn.Parameter(as_tensor(start[:, 0, :2]))
    root_z = as_tensor(start[:, 0, 2:])  # depth of the whole body is not observable
    directions = torch.nn.Parameter(as_tensor(vectors))

    def unit_directions() -> torch.Tensor:
        return directions / (directions.norm(dim=-1, keepdim=True) + 1e-8)

    def points(unit: torch.Tensor) -> torch.Tensor:
        """Forward kinematics: the root plus length times direction of every limb above."""
        limbs = log_length.exp()[frame_sequence][:, bones, None] * unit
        return torch.cat([root_xy, root_z], -1)[:, None] + torch.einsum("jl,nlc->njc", ancestors, limbs)

    optimiser = torch.optim.Adam([log_length, root_xy, directions], lr=learning_rate)
    total_weight = w.sum().clamp_min(1e-8)
    for _ in range(iterations):
        optimiser.zero_grad(set_to_none=True)
        p = points(unit_directions())
        loss = (w * ((p[..., :2] - target) ** 2).sum(-1)).sum() / total_weight
        if same.any():
            loss = loss + smoothness * ((p[2:] - 2 * p[1:-1] + p[:-2]) ** 2).sum(-1)[same].mean()
        loss = loss + length * log_length.exp().mean()
        loss.backward()
        optimiser.step()

    with torch.no_grad():
        return points(_correct_flips(unit_directions(), frame_sequence)).cpu().numpy()


def _fill(points: np.ndarray, sequence: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """Starting values for missing (NaN) coordinates: x, y and depth each interpolated in time
    within the sequence, else its median; a point never seen starts at its parent's place."""
    points = points.copy()
    for s in np.unique(sequence):
        rows = sequence == s
        for dims in (slice(0, 2), slice(2, 3)):
            part = points[rows][..., dims]
            present = np.isfinite(part).all(-1).astype(np.float32)
            points[rows, :, dims] = repair(part, present, threshold=0.5, max_gap=len(part))[0]
    points[:, 0] = np.nan_to_num(points[:, 0])
    for parent, child in skeleton.limbs:
        points[:, child] = np.where(np.isfinite(points[:, child]), points[:, child], points[:, parent])
    return points


def _correct_flips(unit, frame_sequence, window: int = 5, significant: float = 0.1):
    """Mirror in depth the limb directions whose depth sign disagrees with the majority of the
    ``window`` frames around them (within the sequence) and whose depth is significant."""
    import torch

    sign = torch.sign(unit[..., 2])  # (N, L)
    half = window // 2
    votes = torch.zeros_like(sign)
    for shift in range(-half, half + 1):
        shifted = torch.roll(sign, shifts=shift, dims=0)
        same = torch.roll(frame_sequence, shifts=shift, dims=0) == frame_sequence
        if shift > 0:
            same[:shift] = False
        elif shift < 0:
            same[shift:] = False
        votes += shifted * same[:, None]
    flip = (sign * votes < 0) & (unit[..., 2].abs() > significant)
    unit = unit.clone()
    unit[..., 2] = torch.where(flip, -unit[..., 2], unit[..., 2])
    return unit


def lift3d(sequences: Iterable[Sequence], *, layout: str = PT50, threshold: float = 0.2, use_depth: bool = True,
         batch_frames: int = 20_000, iterations: int = 200, device: str = "cpu",
         failed: list[str] | None = None) -> Iterator[Sequence]:  # fmt: skip
    """Lift sequences to 3D with the skeletal model of Zelinka & Kanis (2020), see the module
    docstring; run in batches of whole sequences by :func:`solve`.

    Args:
        sequences: holistic, openpose-137 or PT-50 sequences (2D, or 3D whose depth is the start).
        layout: ``pt50`` (PT-50 convention, normalised units) or ``holistic`` (holistic input
            only: body and hand points lifted in place, x and y in pixels and z in MediaPipe's
            units, the x units divided by the frame width; face points kept).
        threshold: points with a lower confidence count as missing.
        use_depth: start from the input's depth where it has one (MediaPipe's z).
        batch_frames: frames optimised together (whole sequences; a longer one alone).
        iterations: optimisation steps per batch.
        device: torch device (``cpu``, ``cuda``).
        failed: when given, the error of each sequence that cannot be lifted is appended to it
            and the sequence skipped; otherwise the error is raised.

    Yields:
        The lifted sequences in input order, with names, texts and timing kept: PT-50 poses
        (frames, 1, 50, 3) float32 in normalised units, or holistic poses of the input's shape
        (frames, 1, points, 3). Only points
        observed (confidence at least ``threshold``) are written lifted, with their confidence;
        the model's guesses for the others are not written: in PT-50 they stay missing (for
        ``signkit clean`` to fill by its rules), in holistic output they keep their input values.

    Raises:
        SignkitError: an unknown target layout (on the first ``next``); without ``failed``, also
            a sequence of a layout without a mapping, holistic output from a non-holistic input
            or from holistic input without depth, or a sequence where no frame shows both
            shoulders. Errors raised by the ``sequences`` iterator itself pass through.
    """
    if layout not in (PT50, HOLISTIC):
        raise SignkitError(f"lift3d writes layout {PT50} or {HOLISTIC}, not {layout}")
    batch: list[tuple[Sequence, np.ndarray, np.ndarray, np.ndarray | None, Skeleton, float]] = []
    for sequence in sequences:
        try:
            prepared = _prepare(sequence, layout, threshold, use_depth)
        except SignkitError as error:
            if failed is None:
                raise
            failed.append(str(error))
            continue
        if batch and (sum(len(b[1]) for b in batch) + len(prepared[1]) > batch_frames or
                      prepared[4] is not batch[0][4] or (prepared[3] is None) != (batch[0][3] is None)):  # fmt: skip
            yield from _lift_batch(batch, layout, threshold, iterations, device)
            batch = []
        batch.append(prepared)
    if batch:
        yield from _lift_batch(batch, layout, threshold, iterations, device)


_SKELETONS: dict[tuple, Skeleton] = {}


def _skeleton(header: PoseHeader, layout: str) -> Skeleton:
    """The tree for a header (cached by its lifted components, so batches can share it)."""
    parts, links, root = ((_PT50_PARTS, _PT50_LINKS, _PT50_ROOT) if layout == PT50 else
                          (_HOLISTIC_PARTS, _HOLISTIC_LINKS, _HOLISTIC_ROOT))  # fmt: skip
    key = tuple((c.name, tuple(c.points), tuple(c.limbs)) for c in header.components if c.name in parts)
    if key not in _SKELETONS:
        _SKELETONS[key] = skeleton_of(header, parts, links, root)
    return _SKELETONS[key]


def _prepare(sequence: Sequence, layout: str, threshold: float, use_depth: bool):
    """(sequence, xy, weight, depth or None, skeleton, scale) in the tree's point order, scaled
    to units of the median 2D shoulder width."""
    if layout == PT50:
        points, confidence = pt50_image_points(sequence.pose, sequence.name)
        skeleton = _skeleton(pt50_header(), PT50)
        shoulders = points[:, [PT50_RSHOULDER, PT50_LSHOULDER], :2]
    else:
        if sequence.layout != HOLISTIC:
            raise SignkitError(f"{sequence.name}: holistic output needs holistic input, not {sequence.layout}")
        points, confidence = person0(sequence.pose)
        if points.shape[-1] < 3:
            raise SignkitError(f"{sequence.name}: holistic output needs holistic input with depth (x, y, z)")
        points = points[..., :3] * [1.0, 1.0, sequence.pose.header.dimensions.width]
        skeleton = _skeleton(sequence.pose.header, HOLISTIC)
        body = sequence.pose.header.components[0].points
        shoulders = points[:, [component_slice(sequence.pose.header, "POSE_LANDMARKS").start + body.index(n)
                               for n in _HOLISTIC_SHOULDERS], :2]  # fmt: skip
    confidence = np.where(confidence >= threshold, confidence, 0.0)
    width = np.linalg.norm(shoulders[:, 0] - shoulders[:, 1], axis=-1)
    seen = np.isfinite(width) & (width > 0) & (confidence[:, skeleton.points[:1]] > 0).all(-1)
    if not seen.any():
        raise SignkitError(f"{sequence.name}: no frame shows both shoulders; cannot lift")
    scale = float(np.median(width[seen]))
    tree = points[:, skeleton.points] / scale
    tree[confidence[:, skeleton.points] == 0] = np.nan
    depth = tree[..., 2]
    has_depth = use_depth and np.nanmax(np.abs(depth), initial=0.0) > 0
    return sequence, tree[..., :2], confidence[:, skeleton.points], depth if has_depth else None, skeleton, scale


def _lift_batch(batch, layout: str, threshold: float, iterations: int, device: str) -> Iterator[Sequence]:
    skeleton = batch[0][4]
    with_depth = batch[0][3] is not None
    frame_sequence = np.concatenate([np.full(len(b[1]), i) for i, b in enumerate(batch)])
    solved = solve(np.concatenate([b[1] for b in batch]), np.concatenate([b[2] for b in batch]),
                   np.concatenate([b[3] for b in batch]) if with_depth else None, skeleton, frame_sequence,
                   iterations=iterations, device=device)  # fmt: skip
    for i, (sequence, _, weight, _, _, scale) in enumerate(batch):
        points = solved[frame_sequence == i] * scale
        observed = weight > 0  # only observed points are written: clean fills the others by its rules
        if layout == PT50:
            data = np.full((len(points), 50, 3), np.nan)
            data[:, skeleton.points] = np.where(observed[..., None], points, np.nan)
            confidence = np.zeros((len(points), 50), dtype=np.float32)
            confidence[:, skeleton.points] = weight
            pose = make_pose(pt50_header(), normalise_pt50(data), confidence, sequence.fps)
        else:
            data, confidence = person0(sequence.pose)
            points[..., 2] /= sequence.pose.header.dimensions.width
            data[:, skeleton.points, :3] = np.where(observed[..., None], points, data[:, skeleton.points, :3])
            pose = make_pose(sequence.pose.header, data, confidence, sequence.fps)
        yield replace(sequence, pose=pose)


def mpjpe(predicted: np.ndarray, truth: np.ndarray) -> float:
    """Mean per-joint position error after aligning translation and scale per frame.

    Args:
        predicted: (frames, joints, 3).
        truth: (frames, joints, 3), same units.

    Returns:
        The mean Euclidean distance (units of ``truth``) between ``truth`` and ``predicted``
        moved to the same centroid and scaled by the least-squares factor, per frame (no
        rotation: a lifted pose must face the right way). NaN points are left out.

    Raises:
        ValueError: no frame has a point that is finite in both arrays.
    """
    valid = np.isfinite(predicted).all(-1) & np.isfinite(truth).all(-1)
    errors = []
    for p, t, v in zip(predicted, truth, valid):
        if not v.any():
            continue
        p, t = p[v] - p[v].mean(0), t[v] - t[v].mean(0)
        scale = (p * t).sum() / max((p * p).sum(), 1e-12)
        errors.append(np.linalg.norm(scale * p - t, axis=-1))
    return float(np.concatenate(errors).mean())
