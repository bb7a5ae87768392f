"""The ``signkit`` command line: registers the commands and holds the one error handler.

Exit codes: 0 success, 1 bad data or a failed run (one ``Error: ...`` line naming the place),
2 bad usage. No traceback unless ``-v`` or ``SIGNKIT_DEBUG=1``; a closed pipe ends quietly.
"""

from __future__ import annotations

import os
import sys
import traceback

import typer

from signkit import __version__, log
from signkit.commands import (
    backtranslate,
    clean,
    convert,
    extract,
    frnet,
    info,
    lexicon,
    lift3d,
    render,
    score,
    t2g,
    t2p,
    train_bt,
    train_diff,
    train_g2p,
    train_t2g,
    train_t2p,
)
from signkit.errors import SignkitError

app = typer.Typer(
    name="signkit",
    help="Sign Language Production as composable commands: text to signing skeletons to video.\n\n"
    "Example: echo \"hello\" | signkit t2p | signkit render > hello.mp4",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

for module in (info, convert, extract, lift3d, clean, lexicon, train_t2g, t2g, train_g2p, train_t2p, t2p, render, frnet, train_diff, score,
               train_bt, backtranslate):  # fmt: skip
    app.command(module.NAME, help=module.__doc__, no_args_is_help=False)(module.command)


def _version(value: bool) -> None:
    if value:
        print(f"signkit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Sign Language Production as composable commands."""


def main(argv: list[str] | None = None) -> None:
    """Run the command line and exit with its code (see the module docstring)."""
    command = typer.main.get_command(app)
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
