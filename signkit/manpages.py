"""Man pages generated from the real command-line help: ``python -m signkit.manpages man``.

Writes ``signkit.1`` and one ``signkit-COMMAND.1`` per command; ``tests/test_docs.py`` fails
when the pages in ``man/`` differ from what this writes, so they cannot go stale.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def _escape(text: str) -> str:
    lines = text.replace("\\", "\\\\").replace("-", "\\-").splitlines()
    return "\n".join(("\\&" + line) if line.startswith((".", "'")) else line for line in lines)


def _paragraphs(text: str) -> str:
    blocks = [" ".join(block.split()) for block in text.strip().split("\n\n")]
    return "\n.PP\n".join(_escape(block) for block in blocks if block)


def _options(command) -> list[str]:
    context = command.context_class(command, info_name=command.name)
    lines = []
    for param in command.params:
        record = param.get_help_record(context)
        if record is None:
            continue
        names, help_text = record
        lines += [".TP", f".B {_escape(names)}", _escape(" ".join(help_text.split()))]
    return lines


def _page(name: str, summary: str, synopsis: str, description: str, options: list[str], examples: list[str],
          see_also: list[str]) -> str:  # fmt: skip
    from signkit import __version__

    lines = [f'.TH {name.upper()} 1 "" "signkit {__version__}" "signkit manual"', ".SH NAME",
             f"{_escape(name)} \\- {_escape(summary)}", ".SH SYNOPSIS", _escape(synopsis),
             ".SH DESCRIPTION", _paragraphs(description)]  # fmt: skip
    if options:
        lines += [".SH OPTIONS", *options]
    if examples:
        lines.append(".SH EXAMPLES")
        for example in examples:
            lines += [".PP", ".nf", f"$ {_escape(example)}", ".fi"]
    lines += [".SH SEE ALSO", ", ".join(f"{_escape(page)}(1)" for page in see_also)]
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    """File name to groff text for ``signkit.1`` and every command's page."""
    import typer

    from signkit.cli import app, command_module

    group = typer.main.get_command(app)
    context = group.context_class(group, info_name="signkit")
    commands = {name: group.get_command(context, name) for name in group.list_commands(context)}
    names = sorted(commands)
    result = {}
    for name in names:
        command = commands[name]
        module = importlib.import_module(command_module(name))
        doc = (module.__doc__ or "").strip()
        summary, _, description = doc.partition("\n")
        arguments = " ".join(f"[{p.name.upper()}]" for p in command.params if p.param_type_name == "argument")
        result[f"signkit-{name}.1"] = _page(
            f"signkit-{name}", summary.rstrip("."), f"signkit {name} [OPTIONS] {arguments}".strip(),
            description or summary, _options(command), getattr(module, "EXAMPLES", []),
            ["signkit"] + [f"signkit-{other}" for other in names if other != name],
        )  # fmt: skip
    overview = "\n\n".join(f"signkit {name}: {(commands[name].help or '').strip().splitlines()[0]}" for name in names)
    result["signkit.1"] = _page(
        "signkit", "Sign Language Production as composable commands", "signkit COMMAND [OPTIONS] [ARGS]",
        (group.help or "") + "\n\nCommands:\n\n" + overview + "\n\nExit status: 0 on success, 1 on bad data or a "
        "failed run (one Error: line naming the file and place), 2 on bad usage. Data goes to standard "
        "output only; messages and progress to standard error. Set SIGNKIT_DEBUG=1 for tracebacks.",
        [], ['echo "hello" | signkit t2p | signkit render > hello.mp4'], [f"signkit-{name}" for name in names],
    )  # fmt: skip
    return result


def main(folder: str) -> None:
    """Write every page into ``folder``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in pages().items():
        (out / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "man")
