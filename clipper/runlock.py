"""One run at a time: a lock file next to the database (``clips.db.check.lock``) holding the owner's pid.

On POSIX the file is also ``flock``-ed, so the kernel releases the lock when the owner dies, even by SIGKILL,
and a recycled pid cannot keep a dead run's lock alive. Elsewhere the file alone is the lock, and one whose pid
no longer runs is stale and taken over. Either way a lock left behind by a killed run never blocks the next.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from clipper.errors import LockedError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def lock_path(db_path: str | Path, name: str = "check") -> Path:
    return Path(f"{db_path}.{name}.lock")


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    except OSError:
        return False
    return True


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _refuse(path: Path, pid: int | None, what: str) -> LockedError:
    who = f" (pid {pid})" if pid else ""
    return LockedError(f"another {what} is running{who}; the lock is {path}")


@contextlib.contextmanager
def run_lock(db_path: str | Path, name: str = "check") -> Iterator[Path]:
    """Hold the `name` lock of a database for the `with` block. Raises LockedError at once if a live run holds it."""
    path = lock_path(db_path, name)
    if fcntl is None:  # pragma: no cover - Windows
        yield from _pid_lock(path, name)
        return
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise _refuse(path, _read_pid(path), name) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the previous owner removed the file between our open and flock: take the new one
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)


def _pid_lock(path: Path, name: str) -> Iterator[Path]:  # pragma: no cover - Windows
    for _ in range(2):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            pid = _read_pid(path)
            if pid is not None and pid_alive(pid):
                raise _refuse(path, pid, name) from None
            with contextlib.suppress(OSError):
                os.unlink(path)
            continue
        try:
            os.write(fd, f"{os.getpid()}\n".encode())
        finally:
            os.close(fd)
        try:
            yield path
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)
        return
    raise _refuse(path, _read_pid(path), name)
