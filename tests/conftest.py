"""Shared test helpers: the real data beside the project, and running the command line."""

from __future__ import annotations

import csv
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from warm_signkit import SERVER

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
if os.environ.get("PYTEST_XDIST_WORKER"):
    # `make test` runs one pytest worker per core (pytest-xdist): each worker, and the commands it
    # starts, computes on one thread, so that the workers do not fight over the cores
    os.environ.setdefault("OMP_NUM_THREADS", "1")


WARM = Path(__file__).with_name("warm_signkit.py")


@pytest.fixture(autouse=True, scope="session")
def _own_cache(tmp_path_factory):
    """signkit's cache of lemmas (signkit.text.gloss) in a folder of the test run, never the
    user's, for this process and the commands it starts."""
    os.environ["SIGNKIT_CACHE"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(autouse=True, scope="session")
def _warm_signkit(_own_cache):
    """A warm signkit server (tests/warm_signkit.py) for this test process: the commands that
    :func:`signkit` and the documentation's examples run are forked from it. Its socket is in a
    folder of its own directly under the temporary folder: a Unix socket's path has at most 107
    bytes, which pytest's nested temporary folders can pass."""
    folder = Path(tempfile.mkdtemp(prefix="signkit-warm-"))
    socket_path = folder / "socket"
    with open(folder / "server.log", "wb") as log:
        server = subprocess.Popen([sys.executable, str(WARM), "--serve", str(socket_path)], stdin=subprocess.DEVNULL,
                                  stdout=log, stderr=log)  # fmt: skip
    deadline = time.monotonic() + 300
    while not socket_path.exists():
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError(f"the warm signkit server did not start: {(folder / 'server.log').read_text()}")
        time.sleep(0.1)
    os.environ[SERVER] = str(socket_path)
    yield
    del os.environ[SERVER]
    server.kill()
    server.wait()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI (the ``CI`` variable set) a skipped test fails: CI always has ``../shared``, so a
    skip there hides a failure."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome, report.longrepr = "failed", f"skipped while CI is set: {reason}"


def shared_data() -> Path:
    """``../shared/data``; the calling test is skipped, with the reason, when it is absent."""
    if not DATA.is_dir():
        pytest.skip(f"real data not found at {DATA} (../shared/data beside the project)")
    return DATA


@pytest.fixture
def data() -> Path:
    """``../shared/data`` (:func:`shared_data`)."""
    return shared_data()


def signkit(*args: str, input: bytes | str | None = b"", cwd: Path | None = None, env: dict | None = None):
    """Run ``signkit ARGS`` as a user would, with real pipes, forked from the warm server
    (tests/warm_signkit.py: the same command without the libraries' import); returns
    CompletedProcess."""
    if isinstance(input, str):
        input = input.encode()
    environment = {k: v for k, v in os.environ.items() if k not in ("SIGNKIT_DEBUG", "SIGNKIT_LEXICON")}
    environment.update(env or {})
    return subprocess.run([sys.executable, str(WARM), *args], input=input, capture_output=True, cwd=cwd,
                          env=environment, timeout=900)  # fmt: skip


def accelerate_launch(config_folder: Path, *args: str):
    """Run ``accelerate launch --multi_gpu --num_processes 2 -m signkit ARGS`` without any user
    configuration (``config_folder`` holds none): on this machine without a GPU, two CPU processes
    over gloo (:func:`signkit.train.without_device`; GPUs are hidden, so the same holds on a machine
    with one), meeting on a free port (tests running side by side must not share Accelerate's
    default 29500); returns CompletedProcess."""
    environment = {k: v for k, v in os.environ.items() if k != "SIGNKIT_DEBUG"}
    environment["CUDA_VISIBLE_DEVICES"] = ""
    environment["ACCELERATE_CONFIG_FILE"] = str(config_folder / "none.yaml")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return subprocess.run([sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
                           "--num_machines", "1", "--main_process_port", str(port), "--mixed_precision", "no",
                           "--dynamo_backend", "no", "-m", "signkit", *args], capture_output=True, timeout=600,
                          env=environment)  # fmt: skip


def assert_error(result, *fragments: str) -> None:
    """Exit 1, one ``Error:`` line on stderr containing every fragment, no traceback, no stdout."""
    stderr = result.stderr.decode()
    assert result.returncode == 1, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert "Traceback" not in stderr
    for fragment in fragments:
        assert fragment in lines[0], stderr
    assert result.stdout == b""


def example_script(path: Path):
    """Import a recipe's script (``examples/NAME/SCRIPT.py``, not a package) as a module."""
    spec = importlib.util.spec_from_file_location(f"example_{path.parent.name}_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_log(folder: Path, name: str, column: str = "value") -> dict[int, float]:
    """One quantity ``name`` of a training run's ``log.csv`` (long form: step, epoch, name, value),
    by step: its value, or with ``column="epoch"`` the epoch it was logged in."""
    with (folder / "log.csv").open(newline="", encoding="utf-8") as file:
        return {int(row["step"]): float(row[column]) for row in csv.DictReader(file) if row["name"] == name}


def rest_frame(joints: int):
    """The rest pose as t2p writes it: (50, 3) REST_POSE in PT-50, or (178, 3) REST_FACE in slrtp178's order."""
    from signkit.pose.convert import production_pose
    from signkit.pose.motion import REST_FACE, REST_POSE

    return REST_POSE if joints == 50 else production_pose(REST_FACE[None], 25.0, "slrtp178").body.data[0, 0].filled()
