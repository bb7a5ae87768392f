"""Poses: the data model (:mod:`.sequence`), layouts, conversions and file formats.

Importing this package is cheap; its modules import numpy and pose-format.
"""

SKELS, POSE, H5 = "skels", "pose", "h5"
FORMATS = (SKELS, POSE, H5)
