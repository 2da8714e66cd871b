"""`make test` never passes with a suite left out: configuring with
GOVSEC_TESTS=ON (what `make test` does) fails naming a missing tool, and a
plain build (for users, no test tools needed) configures but turns the
suite into a failing test with the same reason. Stdlib and pytest only.
"""
import subprocess

from conftest import SRC, cli_env, require, run_cli


def configure(build, *args, env=None):
    cmake = require("cmake", "cmake")
    return subprocess.run([cmake, "-S", str(SRC), "-B", str(build), *args],
                          capture_output=True, text=True, timeout=300,
                          env=cli_env(env))


def test_missing_nginx_stops_make_test_configuration(tmp_path):
    # nginx is looked for in /usr/sbin: hide it from CMake
    p = configure(tmp_path / "b", "-DGOVSEC_TESTS=ON",
                  "-DCMAKE_IGNORE_PATH=/usr/sbin;/sbin")
    assert p.returncode != 0, p.stdout
    assert ("the e2e tests cannot run: missing nginx (Debian package "
            "'nginx-light')") in " ".join(p.stderr.split())


def test_missing_browser_is_a_failing_test_in_a_plain_build(tmp_path):
    b = tmp_path / "b"
    env = {"CHROMIUM": str(tmp_path / "no-chromium")}
    p = configure(b, env=env)
    assert p.returncode == 0, p.stderr  # building needs no test tools
    assert "the browser tests cannot run" in p.stderr
    t = subprocess.run(["ctest", "-R", "^browser$", "--output-on-failure"],
                       cwd=b, capture_output=True, text=True, timeout=120,
                       env=cli_env(env))
    assert t.returncode != 0, t.stdout
    out = " ".join(t.stdout.split())
    assert f"missing {tmp_path / 'no-chromium'}" in out, t.stdout
    p = configure(tmp_path / "c", "-DGOVSEC_TESTS=ON", env=env)
    assert p.returncode != 0
    assert "the browser tests cannot run" in p.stderr


def test_no_session_making_command_in_govsec(tmp_path):
    """The bench makes its sessions in the store itself
    (bench/fill_sessions.py): govsec has no unaudited command that makes
    gate sessions."""
    db = tmp_path / "g.db"
    p = run_cli(["gate", "sessions-fill", "3", "--user", "bob"], db=db)
    assert p.returncode == 2 and "usage" in p.stderr
    assert "sessions-fill" not in p.stderr
