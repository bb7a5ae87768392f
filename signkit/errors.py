"""The one exception type of signkit.

Library code raises :class:`SignkitError` for every failure caused by the input or the run
(bad data, a missing file, an impossible request); the command layer turns it into a single
``Error: ...`` line on standard error and exit code 1. The message names the place at fault:
``FILE:LINE: ...``, ``FILE: frame N: ...`` or ``FILE: sequence NAME: ...``.
"""


class SignkitError(Exception):
    """A failure of the input or the run, reported to the user as ``Error: <message>``, exit 1."""


def first_line(error: BaseException) -> str:
    """A library exception's message up to its first line break, for a one-line ``Error:`` that
    wraps it (torch's size mismatches run to dozens of lines)."""
    return (str(error).strip().splitlines() or [""])[0]
