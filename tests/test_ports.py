"""Servers started by the tests honour REMISS_PORT (tests/ports.py), read when the tests start."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from ports import unused_port

TESTS = Path(__file__).resolve().parent
PROBE = "import json, ports; print(json.dumps([ports.server_port(), ports.server_port(), ports.server_port()]))"


def _ports(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REMISS_")}
    return subprocess.run(
        [sys.executable, "-c", PROBE], env={**clean, **env}, cwd=TESTS, capture_output=True, text=True, timeout=60
    )


def test_servers_take_ports_from_remiss_port_up_skipping_busy_ones() -> None:
    base = unused_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        with contextlib.suppress(OSError):  # if the bind fails, something else holds it: busy either way
            busy.bind(("127.0.0.1", base + 1))
        done = _ports(REMISS_PORT=str(base))
    assert done.returncode == 0, done.stderr
    first, second, third = json.loads(done.stdout)
    assert first == base
    assert base + 1 not in (second, third)
    assert base < second < third < base + 200


def test_without_remiss_port_any_free_port_and_a_bad_value_is_a_clear_error() -> None:
    done = _ports()
    assert done.returncode == 0, done.stderr
    assert all(0 < p < 65536 for p in json.loads(done.stdout))
    bad = _ports(REMISS_PORT="sjutton")
    assert bad.returncode != 0 and "REMISS_PORT='sjutton'" in bad.stderr
