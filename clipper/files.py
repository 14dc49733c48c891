"""Writing output files atomically: a temporary file beside the target, then a rename, so a reader never sees
half a file, and a symlink at the target is replaced rather than followed."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from clipper.errors import UsageError


def _new_file_mode(target: Path) -> int:
    """The mode a plain open() would give: the file's own when it is replaced, else 0666 less the umask (0644)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write `data` to `path` in full or not at all. `-` is standard output; a device, FIFO or socket already
    there (/dev/null, /dev/stdout, /dev/fd/1, a named pipe) is written straight into, never replaced by a file."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if str(path) == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
        return Path("-")
    target = Path(path).expanduser()
    if len(target.name.encode("utf-8", "surrogateescape")) > 255:
        raise UsageError(f"file name too long: {target.name[:60]}...")
    try:
        mode = os.stat(target).st_mode  # follows a symlink: /dev/stdout -> /proc/self/fd/1 -> a pipe
    except OSError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        return _write_special(target, payload)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"no such folder: {folder}")
    if target.is_dir():
        raise UsageError(f"is a directory: {target}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        try:
            os.chmod(tmp, _new_file_mode(target))
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)  # replaces a symlink itself, never writes through it
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}") from None
    return target


def _write_special(target: Path, payload: bytes) -> Path:
    try:
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}") from None
    return target


def check_input(path: str, *, what: str, max_bytes: int | None = None) -> Path:
    """A user-named input file that exists, is not a folder and is not over ``max_bytes``; else a UsageError naming
    the problem (missing, a folder, too big...)."""
    p = Path(path).expanduser()
    try:
        if not p.exists():
            raise UsageError(f"no such file: {path}")
        if p.is_dir():
            raise UsageError(f"is a directory, not {what}: {path}")
        if max_bytes is not None and (size := p.stat().st_size) > max_bytes:
            raise UsageError(f"file too large ({size} bytes; the cap is {max_bytes}): {path}")
    except OSError as exc:  # a name too long...
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    return p


def read_bytes(path: str, *, what: str, max_bytes: int | None = None) -> bytes:
    """A user-named input file's bytes (see :func:`check_input`). At most ``max_bytes`` are read, whatever the file
    says its size is (a FIFO or a device says 0)."""
    p = check_input(path, what=what, max_bytes=max_bytes)
    try:
        with p.open("rb") as fh:
            data = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise UsageError(f"file too large (over the cap of {max_bytes} bytes): {path}")
    return data
