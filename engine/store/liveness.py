"""Is the process that owns a row still alive? Pids are reused, machines reboot, and a store can be shared
between hosts, so a pid alone cannot say: a process is named by (boot id, pid, start time) where /proc
exists, and a row on another host is alive only while its heartbeat is fresh."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

HOST = socket.gethostname()
HEARTBEAT_SECONDS = 30  # a running run's process touches its row this often
STALE_AFTER = 4 * HEARTBEAT_SECONDS  # a run on another host with no beat for this long is interrupted


def process_identity(pid: int) -> str | None:
    """'boot-id:pid:start-time' on Linux: a pid reused by another process (or after a reboot, or in a new
    container) gets a different identity. None where /proc cannot tell."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        stat = Path(f"/proc/{pid}/stat").read_text()
        start = stat.rsplit(")", 1)[1].split()[19]  # field 22, counting from the state after "(comm)"
    except (OSError, IndexError, ValueError):
        return None
    return f"{boot}:{pid}:{start}"


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def owner_alive(host: str | None, pid: int | None, identity: str | None, heartbeat_at: float | None) -> bool:
    """On this host the OS can answer (and tell a reused pid by its identity); for another host only the
    heartbeat can."""
    if host == HOST:
        if identity:
            return process_identity(pid or 0) == identity
        return pid_alive(pid)
    return heartbeat_at is not None and time.time() - heartbeat_at < STALE_AFTER
