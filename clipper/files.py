"""Writing output files atomically: a temporary file beside the target, then a rename, so a reader never sees
half a file, and a symlink at the target is replaced rather than followed."""

from __future__ import annotations

import os
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
    target = Path(path).expanduser()
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"no such folder: {folder}")
    if target.is_dir():
        raise UsageError(f"is a directory: {target}")
    payload = data.encode("utf-8") if isinstance(data, str) else data
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


def read_bytes(path: str, *, what: str, max_bytes: int | None = None) -> bytes:
    """A user-named input file's bytes, or a UsageError naming the problem (missing, a folder, too big...)."""
    p = Path(path).expanduser()
    if not p.exists():
        raise UsageError(f"no such file: {path}")
    if p.is_dir():
        raise UsageError(f"is a directory, not {what}: {path}")
    try:
        if max_bytes is not None and (size := p.stat().st_size) > max_bytes:
            raise UsageError(f"file too large ({size} bytes; the cap is {max_bytes}): {path}")
        return p.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
