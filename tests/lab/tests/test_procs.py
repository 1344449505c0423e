"""The lab's process handling fails loudly and cleans up (no server needed)."""

import socket
import sys

import pytest

from okdlab import procs


def test_wait_until_reports_a_process_that_died_with_its_log(tmp_path):
    run = str(tmp_path)
    procs.start(run, "dies", [sys.executable, "-c", "import sys; print('boom: bad flag'); sys.exit(3)"])
    with pytest.raises(procs.LabError) as err:
        procs.wait_until(run, "dies", lambda: False, 10, "the test daemon")
    assert "the test daemon exited during start-up" in str(err.value)
    assert "boom: bad flag" in str(err.value)


def test_wait_until_times_out_with_the_last_error(tmp_path):
    run = str(tmp_path)
    procs.start(run, "sleeper", [sys.executable, "-c", "import time; time.sleep(30)"])
    try:

        def never():
            raise ConnectionRefusedError("nothing listening")

        with pytest.raises(procs.LabError) as err:
            procs.wait_until(run, "sleeper", never, 0.5, "the sleeper")
        assert "did not become ready within 0.5s" in str(err.value)
        assert "nothing listening" in str(err.value)
    finally:
        assert procs.stop(run, "sleeper")
    assert procs.pid_of(run, "sleeper") is None


def test_stop_kills_the_whole_process_group(tmp_path):
    run = str(tmp_path)
    child_pid_file = tmp_path / "child.pid"
    code = (
        "import subprocess, sys, time; "
        f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"open({str(child_pid_file)!r}, 'w').write(str(p.pid)); time.sleep(60)"
    )
    procs.start(run, "parent", [sys.executable, "-c", code])
    procs.wait_until(run, "parent", child_pid_file.exists, 10, "the parent")
    child = int(child_pid_file.read_text())
    assert procs.alive(child)
    procs.stop(run, "parent", timeout=5)
    assert not procs.alive(child)


def test_a_taken_port_is_named_with_the_fix():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(procs.LabError) as err:
            procs.require_free(port, "the upstream registry")
    assert f"port {port}" in str(err.value)
    assert "OKD_LAB_PORT_BASE" in str(err.value)
