"""The command contract's input and output, written once for every command.

* A path of ``-`` (or None) means standard input or standard output.
* Standard input is sniffed (HDF5 and ``.pose`` by their first bytes, else text); a suffix or an
  explicit format overrides.
* Output files are written to a temporary file beside the target and renamed into place only when
  the whole write succeeded, so a failed or interrupted run leaves no half-written file.
* Binary output is refused when standard output is a terminal; reading from a terminal either
  says so (text) or is refused (binary), never hangs silently.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from pathlib import Path
from typing import BinaryIO

from signkit.errors import SignkitError
from signkit.pose import formats
from signkit.pose.formats import decode_text  # noqa: F401  (part of this module's interface)
from signkit.pose.layouts import PT50, SLRTP178, is_normalised
from signkit.pose.sequence import Sequence

STDIO = "-"
STDIN_NAME = "<stdin>"


def is_stdio(path: str | Path | None) -> bool:
    """True when ``path`` names standard input/output (``-`` or None)."""
    return path is None or str(path) == STDIO


def is_stream(path: str | Path | None) -> bool:
    """True for standard output and for an existing file that is not a regular file (a device
    such as ``/dev/null``, a named pipe): written in place, as a stream, with no siblings."""
    if is_stdio(path):
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def stdin_hint(what: str) -> None:
    """Say on standard error that input is awaited from a terminal; raise if it cannot be typed.

    Args:
        what: what is read, e.g. ``"sentences"``; None when the input is binary and cannot be typed.

    Raises:
        SignkitError: standard input is a terminal and ``what`` is None (binary input).
    """
    if sys.stdin is None or not sys.stdin.isatty():
        return
    if what is None:
        raise SignkitError("standard input is a terminal: pipe a file in or give a FILE argument")
    print(f"Reading {what} from the terminal; end with Ctrl-D (or pipe a file in).", file=sys.stderr)


def read_bytes(path: str | Path | None, what: str | None = None) -> tuple[bytes, str]:
    """All bytes of a file or of standard input, with the name to use in messages.

    Args:
        path: the file, or ``-``/None for standard input.
        what: what a person could type at a terminal (``"sentences"``); None for binary data.

    Returns:
        ``(content, name)``: the bytes, and ``<stdin>`` or the path as a string.

    Raises:
        SignkitError: the file does not exist, is a folder or a device (``/dev/zero`` would be
            read until memory runs out) or cannot be read; the input is empty (or only
            whitespace); binary input awaited from a terminal (see :func:`stdin_hint`). A pipe
            (``-``, ``<(...)``) is read to its end.
    """
    if is_stdio(path):
        stdin_hint(what)
        content, name = sys.stdin.buffer.read(), STDIN_NAME
    else:
        name = str(path)
        try:
            if stat.S_ISCHR(mode := os.stat(path).st_mode) or stat.S_ISBLK(mode):
                raise SignkitError(f"{name}: a device, not a file")
            content = Path(path).read_bytes()
        except FileNotFoundError:
            raise SignkitError(f"{name}: no such file") from None
        except IsADirectoryError:
            raise SignkitError(f"{name}: is a folder, not a file") from None
        except OSError as error:
            raise SignkitError(f"{name}: cannot read ({error.strerror})") from None
    if not content.strip():
        raise SignkitError(f"{name}: empty input")
    return content, name


def read_sequences(path: str | Path | None, fmt: str | None = None, fps: float | None = None,
                   on_error: formats.OnError = None) -> Iterator[Sequence]:  # fmt: skip
    """Read the sequences of a pose file or of standard input.

    Args:
        path, fmt, fps, on_error: as :func:`open_sequences`.

    Returns:
        An iterator over the :class:`Sequence` objects, read lazily.

    Raises:
        SignkitError: as :func:`open_sequences`: at once for a missing file or empty input, while
            iterating for bad data.
    """
    return open_sequences(path, fmt, fps, on_error)[1]


def open_sequences(path: str | Path | None, fmt: str | None = None, fps: float | None = None,
                   on_error: formats.OnError = None) -> tuple[str, Iterator[Sequence]]:  # fmt: skip
    """Open a pose file or standard input: its format and an iterator over its sequences.

    Args:
        path: a ``.skels``, ``.pose`` or ``.h5`` file, or ``-``/None for standard input.
        fmt: force a format (``skels``, ``pose``, ``h5``); else the suffix, else sniffing.
        fps: frame rate for ``.skels`` (which stores none; default 25 fps), and an override for
            the others.
        on_error: given, a bad sequence of a ``.skels`` or ``.h5`` file (a line, a group) is
            handed to it and the next one read; a file that cannot be read at all still raises.

    Returns:
        ``(fmt, sequences)``: the format name used, and an iterator over the :class:`Sequence`
        objects (``.skels`` siblings ``.text``, ``.gloss``, ``.files`` read beside a file).

    Raises:
        SignkitError: missing file, empty input, bad data (the message names the place); bad
            data further in (including binary data read as ``.skels``) is raised while iterating.
    """
    content, name = read_bytes(path)
    fmt = fmt or (None if is_stdio(path) else formats.format_of_path(path)) or formats.sniff(content[:16])
    return fmt, _sequences(content, name, path, fmt, fps, on_error)


def _sequences(content: bytes, name: str, path, fmt: str, fps: float | None, on_error) -> Iterator[Sequence]:
    if fmt == formats.H5:
        sequences = formats.read_h5(content, name, on_error)
    elif fmt == formats.POSE:
        sequences = iter([formats.read_pose(content, name)])
    else:
        if formats.sniff(content[:16]) != formats.SKELS:
            raise SignkitError(f"{name}: binary data, not .skels text")
        text = decode_text(content, name)
        count = len(formats.skels_lines(text))
        siblings = {} if is_stdio(path) else formats.read_skels_siblings(Path(path), count)
        sequences = formats.read_skels(text, name, siblings, fps=fps or formats.DEFAULT_FPS, on_error=on_error)
    for sequence in sequences:
        if fps and fmt != formats.SKELS:
            sequence.pose.body.fps = fps
        yield sequence


def refuse_binary_terminal(path: str | Path | None) -> None:
    """Refuse binary output to standard output when it is a terminal; commands that work long
    before they write call this first, so that the refusal does not come after the work.

    Args:
        path: the output, ``-``/None for standard output.

    Raises:
        SignkitError: ``path`` is standard output and standard output is a terminal.
    """
    if is_stdio(path) and sys.stdout.isatty():
        raise SignkitError("refusing to write binary data to a terminal: redirect it (> FILE) or use -o FILE")


@contextmanager
def output_stream(path: str | Path | None, *, binary: bool) -> Iterator[BinaryIO]:
    """Open an output for writing, atomically for files.

    For a file, yields a temporary file opened ``w+b`` beside it, renamed over ``path`` when the
    block ends without error and removed otherwise. For ``-``/None, yields standard output's
    binary buffer; for a device or a named pipe (``-o /dev/null``, :func:`is_stream`), the file
    itself, opened for writing (renaming over it would replace the device).

    Args:
        path: the output file, or ``-``/None for standard output.
        binary: the data is binary (``.pose``, ``.h5``, video), refused on a terminal.

    Yields:
        A writable binary file object.

    Raises:
        SignkitError: ``binary`` output to a terminal, or the folder cannot be written.
    """
    if is_stdio(path):
        if binary:
            refuse_binary_terminal(path)
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    if is_stream(path):
        with open(path, "wb") as file:
            yield file
        return
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        file = open(temporary, "w+b")
    except OSError as error:
        raise SignkitError(f"{path}: cannot write ({error.strerror})") from None
    try:
        with file:
            yield file
        os.replace(temporary, path)
    except IsADirectoryError:
        temporary.unlink(missing_ok=True)
        raise SignkitError(f"{path}: is a folder, not a file") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_sequences(sequences: Iterable[Sequence], path: str | Path | None, fmt: str | None = None) -> int:
    """Write sequences to a file or standard output.

    ``.skels`` goes line by line (so a pipe sees each sequence as soon as it is made) and, for a
    file, writes the ``.text``, ``.gloss`` and ``.files`` siblings too (removing an older sibling
    that these sequences have nothing for). ``.pose`` takes exactly one
    sequence. Nothing is left behind when writing fails.

    Args:
        sequences: the sequences, consumed once.
        path: the output file, or ``-``/None for standard output.
        fmt: ``skels``, ``pose`` or ``h5``; else the suffix; standard output (or a device, a pipe)
            defaults to ``skels``.

    Returns:
        The number of sequences written.

    Raises:
        SignkitError: unknown suffix, several sequences for ``.pose``, no sequence at all, a
            non-PT-50 sequence for ``.skels``, binary output to a terminal, an unwritable path
            (see :func:`output_stream`), or an error raised while consuming ``sequences``.
    """
    fmt = fmt or (formats.SKELS if is_stream(path) else formats.format_of_path(path))
    if fmt is None:
        raise SignkitError(f"{path}: unknown output format; use a .skels, .pose or .h5 name or --to")
    if fmt == formats.SKELS:
        return _write_skels(sequences, path)
    with output_stream(path, binary=True) as file:
        if fmt == formats.POSE:
            items = list(sequences)
            if len(items) != 1:
                raise SignkitError(f"{path or STDIO}: a .pose file holds one sequence, not {len(items)}; "
                                   "write .h5 or .skels instead")  # fmt: skip
            formats.write_pose(items[0], file)
            return 1
        # HDF5 is written by seeking: to standard output through a temporary file (on disk, not in memory)
        with tempfile.TemporaryFile() if is_stream(path) else nullcontext(file) as buffer:
            count = formats.write_h5(sequences, buffer)
            if count == 0:
                raise SignkitError(f"{path or STDIO}: no sequences to write")
            if buffer is not file:
                buffer.seek(0)
                shutil.copyfileobj(buffer, file)
        return count


def _write_skels(sequences: Iterable[Sequence], path: str | Path | None) -> int:
    siblings: dict[str, list[str]] = {kind: [] for kind in formats.SIBLINGS}
    with ExitStack() as stack:
        file = stack.enter_context(output_stream(path, binary=False))
        count = 0
        for sequence in sequences:
            if not is_normalised(sequence.pose.header):
                raise SignkitError(f"sequence {sequence.name}: .skels holds {PT50} or normalised {SLRTP178} poses, "
                                   f"not {sequence.layout}; convert with --layout {PT50} (or {SLRTP178}) or write "
                                   f".pose/.h5")  # fmt: skip
            data = sequence.pose.body.data[:, 0].filled(float("nan"))
            file.write((formats.format_skels_line(data) + "\n").encode())
            if is_stream(path):
                file.flush()
            siblings["text"].append(sequence.text)
            siblings["gloss"].append(sequence.gloss)
            siblings["files"].append(sequence.name)
            count += 1
        if count == 0:
            raise SignkitError(f"{path or STDIO}: no sequences to write")
        if not is_stream(path):
            for kind, lines in siblings.items():
                sibling_path = Path(path).with_suffix(f".{kind}")
                if any(line is not None for line in lines):
                    with output_stream(sibling_path, binary=False) as sibling:
                        sibling.write("".join(f"{line or ''}\n" for line in lines).encode())
                else:  # an older sibling would pair other sentences with these poses
                    sibling_path.unlink(missing_ok=True)
    return count
