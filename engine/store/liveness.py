"""Is the process that owns a row still alive? Pids are reused, machines reboot, and a store can be shared
between hosts, so a pid alone cannot say: a process is named by (boot time, pid, start time), and a row
on another host is alive only while its heartbeat is fresh."""

from __future__ import annotations

import socket
import time

import psutil

HOST = socket.gethostname()
HEARTBEAT_SECONDS = 30  # a running run's process touches its row this often
STALE_AFTER = 4 * HEARTBEAT_SECONDS  # a run on another host with no beat for this long is interrupted


def process_identity(pid: int) -> str | None:
    """'psutil:boot-time:pid:start-time': a pid reused by another process (or after a reboot) gets a
    different identity. None where the process cannot be seen."""
    try:
        return f"psutil:{psutil.boot_time():.0f}:{pid}:{psutil.Process(pid).create_time():.3f}"
    except (psutil.Error, OSError):
        return None


def pid_alive(pid: int | None) -> bool:
    """Is there a process with this pid (ours or another user's)?"""
    return bool(pid) and psutil.pid_exists(pid)


def same_process(pid: int | None, identity: str) -> bool:
    """Is the process `identity` named still the one running under `pid`? An identity written by an older
    version (boot id and clock ticks from /proc) can only be checked by its pid."""
    if not identity.startswith("psutil:"):
        return pid_alive(pid)
    return process_identity(pid or 0) == identity


def owner_alive(host: str | None, pid: int | None, identity: str | None, heartbeat_at: float | None) -> bool:
    """On this host the OS can answer (and tell a reused pid by its identity); for another host only the
    heartbeat can."""
    if host == HOST:
        return same_process(pid, identity) if identity else pid_alive(pid)
    return heartbeat_at is not None and time.time() - heartbeat_at < STALE_AFTER
