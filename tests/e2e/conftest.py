"""Shared fixtures of the end-to-end tests: where the programs are, a store in
a temporary directory, and a helper that runs the CLI against it.

Binaries come from $GOVSEC_BUILD (default <repo>/build), the source tree from
$GOVSEC_SRC (default: two levels above this file). Stdlib and pytest only.
"""
import os
import pwd
import pathlib
import subprocess

import pytest

SRC = pathlib.Path(os.environ.get("GOVSEC_SRC")
                   or pathlib.Path(__file__).resolve().parents[2])
BUILD = pathlib.Path(os.environ.get("GOVSEC_BUILD") or SRC / "build")
GOVSEC = BUILD / "govsec"
GOVSECD = BUILD / "govsecd"
DATA = pathlib.Path(__file__).resolve().parent / "data"


# The audit names the account that runs govsec, whatever $USER says.
ACTOR = "cli:" + pwd.getpwuid(os.getuid()).pw_name


def cli_env(extra=None):
    """A predictable environment: no user config or store, English, and a
    $USER that must not become the audit actor (ACTOR is)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("GOVSEC_CONF", "GOVSEC_DB", "SUDO_USER")}
    env.update({"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "USER": "e2e"})
    if extra:
        env.update(extra)
    return env


def run_cli(args, db=None, stdin=None, env=None, timeout=120):
    """Runs build/govsec [--db DB] ARGS; returns the CompletedProcess with
    text stdout and stderr (UTF-8). stdin may be str or bytes."""
    if not GOVSEC.exists():
        pytest.fail(f"{GOVSEC} is missing: build first (cmake --build build)")
    argv = [str(GOVSEC)]
    if db is not None:
        argv += ["--db", str(db)]
    argv += [str(a) for a in args]
    if isinstance(stdin, str):
        stdin = stdin.encode()
    p = subprocess.run(argv, input=stdin, capture_output=True,
                       env=cli_env(env), timeout=timeout)
    return subprocess.CompletedProcess(
        p.args, p.returncode, p.stdout.decode("utf-8", "replace"),
        p.stderr.decode("utf-8", "replace"))


@pytest.fixture
def store_path(tmp_path):
    """Path of a fresh (not yet created) store in a temporary directory."""
    return tmp_path / "govsec.db"


@pytest.fixture
def cli(store_path):
    """cli(*args, stdin=None, env=None) runs govsec against store_path."""
    def run(*args, stdin=None, env=None):
        return run_cli(args, db=store_path, stdin=stdin, env=env)
    run.db = store_path
    return run
