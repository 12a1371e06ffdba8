"""Find processes a peer left behind, and end them (what ``ps`` shows, from /proc)."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
from pathlib import Path

__all__ = ['descendants', 'leftovers', 'terminate']


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of ``pid``, or None if it is gone."""
    try:
        text = Path(f'/proc/{pid}/stat').read_text()
    except OSError:
        return None
    # The command name is in parentheses and may itself contain ') '.
    fields = text[text.rindex(')') + 2 :].split()
    return fields[0], int(fields[1])


def _command(pid: int) -> str:
    try:
        raw = Path(f'/proc/{pid}/cmdline').read_bytes()
    except OSError:
        return '?'
    return raw.replace(b'\0', b' ').decode(errors='replace').strip() or '?'


def descendants(root: int | None = None) -> dict[int, str]:
    """Live (not zombie) descendants of ``root`` (default: this process): pid -> command."""
    root = os.getpid() if root is None else root
    children: dict[int, list[int]] = {}
    for entry in Path('/proc').iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat is not None and stat[0] != 'Z':
            children.setdefault(stat[1], []).append(int(entry.name))
    found: dict[int, str] = {}
    stack = list(children.get(root, []))
    while stack:
        pid = stack.pop()
        found[pid] = _command(pid)
        stack.extend(children.get(pid, []))
    return found


def leftovers(before: set[int], grace: float = 5.0) -> dict[int, str]:
    """Descendants started since ``before`` that are still alive after ``grace`` s.

    Exited ``multiprocessing`` children are reaped first, so that a process
    that has ended but was not yet waited for does not count.
    """
    deadline = time.monotonic() + grace
    while True:
        multiprocessing.active_children()  # reaps finished children
        left = {pid: cmd for pid, cmd in descendants().items() if pid not in before}
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.05)  # polling other processes' exit; nothing to wait on


def terminate(pids: set[int], grace: float = 3.0) -> None:
    """SIGTERM ``pids``, then SIGKILL those still alive after ``grace`` s; reap them."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while pids & descendants().keys() and time.monotonic() < deadline:
        multiprocessing.active_children()
        time.sleep(0.05)  # polling other processes' exit; nothing to wait on
    for pid in pids & descendants().keys():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for pid in pids:
        # Reap those that are our own children so they do not linger as zombies.
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)
