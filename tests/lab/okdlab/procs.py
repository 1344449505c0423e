"""Background processes of the lab: start with a pid file and a log, wait, stop for good.

Every wait is bounded and, on failure, says which process, why, and the tail of its log,
so `labctl up` never hangs and never leaves a silent half-started lab.
"""

import os
import signal
import socket
import subprocess
import time


class LabError(RuntimeError):
    """A lab step failed; the message says what and how to fix it."""


def port_free(port, host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def require_free(port, what):
    if not port_free(port):
        raise LabError(
            f"port {port} on 127.0.0.1 (for {what}) is taken by another process: "
            f"stop it (`ss -ltnp 'sport = :{port}'` shows who) or move the lab with "
            f"OKD_LAB_PORT_BASE=<another base>"
        )


def _pid_file(run_dir, name):
    return os.path.join(run_dir, f"{name}.pid")


def log_file(run_dir, name):
    return os.path.join(run_dir, f"{name}.log")


def log_tail(run_dir, name, lines=15):
    try:
        with open(log_file(run_dir, name), encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def start(run_dir, name, argv, env=None):
    """Start `argv` in its own session (so stop() can kill its whole group)."""
    os.makedirs(run_dir, exist_ok=True)
    with open(log_file(run_dir, name), "ab") as log:
        # pylint: disable-next=consider-using-with
        proc = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
            close_fds=True,
        )
    with open(_pid_file(run_dir, name), "w", encoding="utf-8") as f:
        f.write(str(proc.pid))
    return proc.pid


def pid_of(run_dir, name):
    try:
        with open(_pid_file(run_dir, name), encoding="utf-8") as f:
            pid = int(f.read().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if alive(pid) else None


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of ours is not alive
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_until(run_dir, name, check, timeout, what):
    """Poll `check()` until true; fail early if the process died, else at `timeout`."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        if pid_of(run_dir, name) is None:
            raise LabError(
                f"{what} exited during start-up. Last lines of {log_file(run_dir, name)}:\n{log_tail(run_dir, name)}"
            )
        try:
            if check():
                return
        except Exception as e:  # pylint: disable=broad-exception-caught  # any failure = not ready yet
            last_error = e
        time.sleep(0.2)
    raise LabError(
        f"{what} did not become ready within {timeout}s (last check error: {last_error}). "
        f"Last lines of {log_file(run_dir, name)}:\n{log_tail(run_dir, name)}"
    )


def stop(run_dir, name, timeout=10):
    """SIGTERM the process group, SIGKILL what is left after `timeout`; True if one ran."""
    pid = pid_of(run_dir, name)
    pid_path = _pid_file(run_dir, name)
    if pid is None:
        if os.path.exists(pid_path):
            os.unlink(pid_path)
        return False
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not alive(pid):
            break
    os.unlink(pid_path)
    return True
