"""One run at a time: a lock file next to the database (``clips.db.check.lock``) holding the owner's pid.

On POSIX the file is also ``flock``-ed, so the kernel releases the lock when the owner dies, even by SIGKILL,
and a recycled pid cannot keep a dead run's lock alive. Elsewhere the file alone is the lock, and one whose pid
no longer runs is stale and taken over. Either way a lock left behind by a killed run never blocks the next.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import sys
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
        if not path.is_file() or path.is_symlink():
            return None
        text = path.read_text(encoding="ascii", errors="replace").strip()[:20]
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _refuse(path: Path, pid: int | None, what: str) -> LockedError:
    who = f" (pid {pid})" if pid else ""
    return LockedError(f"another {what} is running{who}; the lock is {path}")


def _open_lock_file(path: Path) -> int:
    """The lock file, opened without following a symlink; a directory, a FIFO or a device there is refused."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | \
        getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        if path.is_symlink():
            raise LockedError(f"the lock {path} is a symlink; remove it (clipper never writes through one)") from None
        raise LockedError(f"cannot open the lock {path}: {exc.strerror}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise LockedError(f"the lock {path} is not a regular file; remove it")
    return fd


def _name_lock(db_path: str | Path, name: str) -> socket.socket | None:
    """On Linux, a second lock no one can delete: an abstract socket named for the database file's inode. The
    kernel frees it when the owner dies; a lock file removed mid-run cannot let a second run in beside the first."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        st = os.stat(db_path)
    except OSError:
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(f"\0clipper-{name}-{st.st_dev}-{st.st_ino}")
    except OSError:
        sock.close()
        raise
    return sock


@contextlib.contextmanager
def run_lock(db_path: str | Path, name: str = "check") -> Iterator[Path]:
    """Hold the `name` lock of a database for the `with` block. Raises LockedError at once if a live run holds it,
    or, in one line, if the lock cannot be taken (a symlink or a folder in its place...)."""
    path = lock_path(db_path, name)
    if fcntl is None:  # pragma: no cover - Windows
        yield from _pid_lock(path, name)
        return
    try:
        held = _name_lock(db_path, name)
    except OSError:
        raise _refuse(path, _read_pid(path), name) from None
    try:
        while True:
            fd = _open_lock_file(path)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise _refuse(path, _read_pid(path), name) from None
            try:
                same = os.fstat(fd).st_ino == os.lstat(path).st_ino
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
                if os.fstat(fd).st_ino == os.lstat(path).st_ino:
                    os.unlink(path)
            os.close(fd)
    finally:
        if held is not None:
            held.close()


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
