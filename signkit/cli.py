"""The ``signkit`` command line: registers the commands and holds the one error handler.

Exit codes: 0 success, 1 bad data or a failed run (one ``Error: ...`` line naming the place),
2 bad usage, 130 Ctrl-C, 143 SIGTERM (both unwind: no temporary file or worker process is left).
No traceback unless ``-v`` or ``SIGNKIT_DEBUG=1``; a closed pipe ends quietly.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import signal
import sys
import traceback

import typer
import typer.core
import typer.main
import typer.models

from signkit import __version__, log
from signkit.errors import SignkitError

# The commands in the order of `signkit --help`; each is the module signkit/commands/NAME.py
# (dashes as underscores), imported only when that command runs or shows its help.
COMMANDS = ("info", "convert", "extract", "lift3d", "clean", "lexicon", "train-t2g", "t2g", "train-g2p", "train-t2p",
            "t2p", "render", "frnet", "train-diff", "score", "train-bt", "backtranslate")  # fmt: skip


def command_module(name: str) -> str:
    """The module of command ``name``: ``train-t2p`` -> ``signkit.commands.train_t2p``."""
    return f"signkit.commands.{name.replace('-', '_')}"


class LazyGroup(typer.core.TyperGroup):
    """A click group that imports a command's module only when that command is asked for (click's
    lazy-loading group pattern), so that start-up and ``--help`` import no command's libraries.
    The one-line summaries of ``signkit --help`` are read from the modules' docstrings without
    importing them."""

    def list_commands(self, ctx) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx, name: str):
        if name not in COMMANDS:
            return None
        module = importlib.import_module(command_module(name))
        info = typer.models.CommandInfo(name=name, callback=module.command, help=module.__doc__, no_args_is_help=False)
        return typer.main.get_command_from_info(info, pretty_exceptions_short=True, rich_markup_mode=None)

    def format_commands(self, ctx, formatter) -> None:
        rows = []
        for name in COMMANDS:
            source = importlib.util.find_spec(command_module(name)).origin
            with open(source, encoding="utf-8") as file:
                summary = (ast.get_docstring(ast.parse(file.read())) or "").split("\n\n")[0].replace("\n", " ")
            limit = formatter.width - 6 - max(map(len, COMMANDS))  # as click's own Group.format_commands
            rows.append((name, typer.core._click.utils.make_default_short_help(summary, limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    name="signkit",
    cls=LazyGroup,
    help="Sign Language Production as composable commands: text to signing skeletons to video.\n\n"
    "Example: echo \"hello\" | signkit t2p | signkit render > hello.mp4",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"signkit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Sign Language Production as composable commands."""


class _Terminated(BaseException):
    """SIGTERM (``timeout``, make, Slurm, container runtimes), raised where the process is so that
    it unwinds as for Ctrl-C: temporary files removed, worker pools ended."""


def _terminate(signum, frame) -> None:
    raise _Terminated


def main(argv: list[str] | None = None) -> None:
    """Run the command line and exit with its code (see the module docstring)."""
    command = typer.main.get_command(app)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        # make_context + invoke rather than main(): click's main turns a closed pipe into exit 1
        # and prints its own messages; here every outcome is decided below, in one place.
        with command.make_context("signkit", list(sys.argv[1:] if argv is None else argv)) as context:
            command.invoke(context)
        sys.stdout.flush()
        code = 0
    except typer.Exit as exit_:
        code = exit_.exit_code
    except typer.TyperException as error:  # usage errors: bad options or arguments
        error.show()
        code = error.exit_code
    except (typer.Abort, KeyboardInterrupt):
        print("Interrupted.", file=sys.stderr)
        code = 130
    except _Terminated:
        print("Terminated.", file=sys.stderr)
        code = 128 + signal.SIGTERM
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    except SignkitError as error:
        if log.debug():
            traceback.print_exc()
        print(f"Error: {error}", file=sys.stderr)
        code = 1
    except Exception as error:  # a bug: say so in one line, traceback on request
        if log.debug():
            traceback.print_exc()
        print(f"Error: internal error: {type(error).__name__}: {error} "
              "(rerun with -v or SIGNKIT_DEBUG=1 for the traceback)", file=sys.stderr)  # fmt: skip
        code = 1
    sys.exit(code)
