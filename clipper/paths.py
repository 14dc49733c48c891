"""Where clipper keeps its data: --db, then $CLIPPER_DB, then a per-user data directory (never the cwd)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def data_dir() -> Path:
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    elif os.name == "nt":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "clipper"


def config_dir() -> Path:
    if sys.platform == "darwin":
        return data_dir()
    if os.name == "nt":
        return data_dir()
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "clipper"


def default_db_path() -> Path:
    env = os.environ.get("CLIPPER_DB")
    if env:
        return Path(env).expanduser()
    return data_dir() / "clips.db"
