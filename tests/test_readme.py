"""The README is the first test: every command of its `sh` blocks, in order, as pasted,
after `make run`, in a fresh directory.

`make run` is done the way the Makefile does it (its `run` recipe with its DEMO_* values),
its server on a free port that replaces 127.0.0.1:8000 in the commands; a `serve` line is
started on a free port of its own, asked for its home page and stopped; `make test` is not
run (it is this suite). Each command must exit 0, unless a trailing `# fails:` comment
says it is meant to fail. The README says all of this too."""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from certbridge.demo.examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text("utf-8")
MAKEFILE = (ROOT / "Makefile").read_text("utf-8")
MAKE_RUN_ADDRESS = "127.0.0.1:8000"
NOT_RUN = {"make test": "the suite itself"}
COMMAND_SECONDS = 300


@dataclass(frozen=True)
class Command:
    text: str
    expect_failure: bool

    @property
    def serves(self) -> bool:
        return bool(re.search(r"\bcertbridge serve\b", self.text))


def readme_commands(readme: str) -> list[Command]:
    """Every command of the `sh` blocks in order: continuation lines joined, comment-only
    and blank lines dropped; a trailing `# fails:` comment marks an expected failure."""
    commands = []
    for block in re.findall(r"^```sh\n(.*?)^```", readme, re.MULTILINE | re.DOTALL):
        for line in re.sub(r"\s*\\\n\s*", " ", block).splitlines():
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                commands.append(Command(stripped, re.search(r"#\s*fails:", stripped) is not None))
    return commands


def make_variables(makefile: str) -> dict[str, str]:
    return dict(re.findall(r"^(\w+)\s*\?=\s*(\S+)\s*$", makefile, re.MULTILINE))


def make_run_recipe(makefile: str) -> list[str]:
    """The `run` target's lines with the Makefile's variables filled in, run from the
    checkout (the data directory is ./var, as `make run` exports it)."""
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe, "the Makefile has no run target"
    values = {**make_variables(makefile), "BIN": ".venv/bin", "CERTBRIDGE_DATA_DIR": "var"}
    lines = []
    for line in recipe[1].splitlines():
        lines.append(re.sub(r"\$\((\w+)\)", lambda m: values[m[1]], line.strip()))
    return lines


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _with_port(command: str, port: int) -> str:
    if re.search(r"--port[ =]\d+", command):
        return re.sub(r"--port[ =]\d+", f"--port {port}", command)
    return f"{command} --port {port}"


def _environment(shell: dict[str, str] | None = None) -> dict[str, str]:
    """A newcomer's shell: no certbridge settings, so the data directory is ./var; with the
    variables the README's earlier lines set (`TOKEN=$(…)`), as a pasted session keeps them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CERTBRIDGE_")}
    return {**env, "PYTHONUNBUFFERED": "1", "COLUMNS": "100", **(shell or {})}


# A line that only sets a shell variable, `NAME=$(command)`: a pasted session keeps it.
ASSIGNMENT = re.compile(r"([A-Za-z_]\w*)=(\$\(.*\))\s*(#.*)?")


@contextmanager
def serving(command: str, cwd: Path, port: int) -> Iterator[None]:
    """A long-running `serve` line, answering on its port until the block ends."""
    log = cwd / f"serve-{port}.log"  # a file, not a pipe: a server's log must never block it
    with log.open("wb") as out:
        process = subprocess.Popen(
            _with_port(command, port),
            shell=True,
            cwd=cwd,
            env=_environment(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                output = log.read_text("utf-8", errors="replace")
                pytest.fail(f"{command!r} stopped before answering:\n{output}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:
                    assert page.status == 200
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{command!r} did not answer on port {port}")
                time.sleep(0.2)
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run(
    command: str, cwd: Path, shell: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/bash", "-c", command],
        cwd=cwd,
        env=_environment(shell),
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        check=False,
    )


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A fresh directory that looks like the checkout after `make install`: the virtual
    environment running these tests and the shipped examples; no var/ yet."""
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    return tmp_path


def test_every_readme_command_works_as_pasted_in_order(checkout: Path) -> None:
    commands = readme_commands(README)
    assert commands[0].text.startswith("make run"), "the README starts with make run"
    *setup, serve = make_run_recipe(MAKEFILE)
    for line in setup:
        done = run(line, checkout)
        assert done.returncode == 0, f"make run: {line}\n{done.stdout}\n{done.stderr}"
    make_run_port = _free_port()
    ran = []
    shell: dict[str, str] = {}
    with serving(serve, checkout, make_run_port):
        for command in commands:
            target = re.match(r"make (\w+)", command.text)
            if target:
                assert target[0] in NOT_RUN or target[1] == "run", command.text
                continue
            text = command.text.replace(MAKE_RUN_ADDRESS, f"127.0.0.1:{make_run_port}")
            if command.serves:
                with serving(text, checkout, _free_port()):
                    ran.append(command.text)
                continue
            started = time.monotonic()
            assignment = ASSIGNMENT.fullmatch(text)
            if assignment:  # keep the value for the lines after it, as a shell would
                text = f'{assignment[1]}={assignment[2]} && printf %s "${assignment[1]}"'
            done = run(text, checkout, shell)
            if assignment and done.returncode == 0:
                shell[assignment[1]] = done.stdout
            print(f"{time.monotonic() - started:6.1f}s  {command.text}")
            report = f"{command.text}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"
            if command.expect_failure:
                assert done.returncode != 0, report
            else:
                assert done.returncode == 0, report
            assert "Traceback" not in done.stderr, report
            ran.append(command.text)
    assert len(ran) >= 20


def test_the_readme_runner_reads_blocks_continuations_and_expected_failures() -> None:
    readme = (
        "Text\n\n```sh\nmake run   # demo\n# a comment\n\necho one \\\n  two\n```\n"
        "```json\n{}\n```\n```sh\nfalse   # fails: on purpose\n```\n"
    )
    assert readme_commands(readme) == [
        Command("make run   # demo", False),
        Command("echo one two", False),
        Command("false   # fails: on purpose", True),
    ]
    assert shlex.split(make_run_recipe(MAKEFILE)[-1])[1] == "serve"


def test_the_shipped_examples_are_what_the_project_makes() -> None:
    for name, make in EXAMPLES.items():
        assert (ROOT / "examples" / name).read_text("utf-8") == make(), (
            f"examples/{name} is stale: run .venv/bin/python tools/make_examples.py"
        )
