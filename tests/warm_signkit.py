"""``python -m signkit`` for the tests, without paying the libraries' import in every command.

On this project's CPU every command that touches a model spends about 7 s importing torch,
transformers and diffusers before it reads its first argument, and the suite starts hundreds of
commands. Here one server per test worker imports them once; each command is a process forked
from it (the zygote pattern of Android and of Python's multiprocessing ``forkserver``), so that
it starts with the libraries in memory and is otherwise the command a user runs: its own process,
with the caller's standard streams (passed over a Unix socket, so pipes stay pipes), working
folder, environment and arguments, ``python -m signkit``'s ``__main__``, and the end of a program
as the interpreter makes it (atexit handlers, flushed streams, the exit status or the signal that
ended it), less the teardown of the preloaded modules (see :func:`run`).

    python tests/warm_signkit.py --serve SOCKET    # the server (conftest starts one per worker)
    python tests/warm_signkit.py ARGS...           # a client: signkit ARGS through $SIGNKIT_TEST_SERVER

A client without ``SIGNKIT_TEST_SERVER`` in its environment runs ``python -m signkit ARGS``
itself. What a warm command cannot show is the import itself: the tests of what a command
imports, and of signals sent to a command, start ``python -m signkit`` directly.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys

SERVER = "SIGNKIT_TEST_SERVER"
# what the commands import before their work (``module:name`` also imports what the name loads
# lazily). The server only imports: torch starts its OpenMP threads at the first operation, which
# only the forked commands run, as torch's own DataLoader workers are forked after its import.
PRELOAD = ("torch", "accelerate:Accelerator", "transformers:T5ForConditionalGeneration", "transformers:CLIPTextModel",
           "diffusers:StableDiffusionControlNetPipeline", "diffusers:ControlNetModel",
           "sentence_transformers:SentenceTransformer",
           "pose_format.utils.holistic", "cv2", "av", "h5py", "scipy.signal", "pose_format", "signkit.cli")


def client(args: list[str]) -> None:
    """Run ``signkit ARGS`` in a process forked by the server, with this process's standard
    streams, folder and environment; exit as it exited (the same status, or killed by the same
    signal)."""
    path = os.environ.get(SERVER)
    if not path:
        os.execv(sys.executable, [sys.executable, "-m", "signkit", *args])
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(path)
        request = {"args": args, "cwd": os.getcwd(), "env": dict(os.environ)}
        socket.send_fds(connection, [json.dumps(request).encode()], [0, 1, 2])
        connection.shutdown(socket.SHUT_WR)
        reply = b"".join(iter(lambda: connection.recv(64), b""))
    code = int(reply)
    if code < 0:  # killed by a signal: die of it too, as the shell would see the command die
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


def serve(path: str) -> dict:
    """Import PRELOAD, listen on the Unix socket ``path`` and fork a handler for each client; the
    handler forks the command and reports its exit status. Returns only in a command's process:
    the request to run (its standard streams already in place)."""
    import gc
    import importlib

    for name in PRELOAD:
        module, _, attribute = name.partition(":")
        module = importlib.import_module(module)
        if attribute:
            getattr(module, attribute)
    gc.freeze()  # the collector leaves the preloaded objects alone: forked processes share their pages
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".tmp")
    listener.listen(64)
    os.rename(path + ".tmp", path)  # the socket appears when the server is ready
    while True:
        connection, _ = listener.accept()
        while True:  # reap finished handlers
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        if os.fork():
            connection.close()
            continue
        listener.close()
        message, fds, _, _ = socket.recv_fds(connection, 1 << 16, 3)
        message += b"".join(iter(lambda: connection.recv(1 << 16), b""))  # to the client's end of writing
        request = json.loads(message)
        command = os.fork()
        if command == 0:
            connection.close()
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                os.close(fd)
            return request
        for fd in fds:
            os.close(fd)
        status = os.waitpid(command, 0)[1]
        connection.sendall(str(os.waitstatus_to_exitcode(status)).encode())
        connection.close()
        os._exit(0)


def run(request: dict) -> None:
    """``python -m signkit ARGS`` in this process, as the request describes it, ending as the
    interpreter ends a program (SystemExit's status, a traceback and 1 for any other exception,
    atexit handlers, flushed streams) but without tearing down the preloaded modules, which
    in a forked process would copy every page they touch (seconds)."""
    import atexit
    import runpy
    import traceback

    os.chdir(request["cwd"])
    sys.path[0] = request["cwd"]  # as `python -m` puts it
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["signkit", *request["args"]]
    killed_by = None
    try:
        runpy.run_module("signkit", run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 0 if exit.code is None else 1
        if not isinstance(exit.code, int | None):
            print(exit.code, file=sys.stderr)
    except KeyboardInterrupt:
        traceback.print_exc()
        code, killed_by = 1, signal.SIGINT
    except BaseException:
        traceback.print_exc()
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or 120  # as Python when it cannot flush standard output at exit
    if killed_by is not None:
        signal.signal(killed_by, signal.SIG_DFL)
        os.kill(os.getpid(), killed_by)
    os._exit(code)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        run(serve(sys.argv[2]))
    else:
        client(sys.argv[1:])
