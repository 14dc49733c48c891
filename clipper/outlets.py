"""The outlet registry: which site is which outlet, and how writers credit it.

The registry is data (``data/outlets.toml``, shipped inside the package as ``clipper/data/outlets.toml``).
Users add or override outlets in their own file of the same format (``$CLIPPER_OUTLETS``, or ``outlets.toml`` in
clipper's config directory); an entry there with the same ``name`` replaces the built-in one.
"""

from __future__ import annotations

import os
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from clipper.errors import UsageError

DEFAULT_DATE_STYLE = "kanji"


@dataclass(frozen=True)
class Outlet:
    name: str
    site_name: str
    domains: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    date_style: str = DEFAULT_DATE_STYLE
    body: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    syndicator: bool = False
    source: tuple[str, ...] = ()


def _fold(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).lower().split())


@dataclass
class Registry:
    outlets: list[Outlet] = field(default_factory=list)
    soft404_phrases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._by_domain: dict[str, Outlet] = {}
        self._by_name: dict[str, Outlet] = {}
        self._by_own_name: dict[str, Outlet] = {}
        for outlet in self.outlets:
            for label in (outlet.name, outlet.site_name):
                self._by_own_name.setdefault(_fold(label), outlet)
            for domain in outlet.domains:
                self._by_domain[domain.lower().removeprefix("www.")] = outlet
            for label in (outlet.name, outlet.site_name, *outlet.aliases):
                self._by_name.setdefault(_fold(label), outlet)

    def for_host(self, host: str | None) -> Outlet | None:
        """The outlet of a host name: the longest registered domain that the host is or ends with."""
        if not host:
            return None
        host = host.lower().rstrip(".").removeprefix("www.")
        parts = host.split(".")
        for i in range(len(parts) - 1):
            outlet = self._by_domain.get(".".join(parts[i:]))
            if outlet is not None:
                return outlet
        return None

    def by_name(self, name: str | None) -> Outlet | None:
        """The outlet known by this name, short credit, site name or alias (NFKC, case and spaces folded)."""
        if not name:
            return None
        return self._by_name.get(_fold(name))

    def by_own_name(self, name: str | None) -> Outlet | None:
        """The outlet whose short credit or site name this is (aliases left out: they are matched only on the
        outlet's own domains, where :meth:`for_host` has already found it)."""
        if not name:
            return None
        return self._by_own_name.get(_fold(name))

    def credit(self, name: str) -> str:
        """The short credit for a name as found in a page or an old post; the name itself when unknown."""
        outlet = self.by_name(name)
        return outlet.name if outlet else name.strip()

    def date_style_for(self, outlet_name: str | None) -> str:
        outlet = self.by_name(outlet_name)
        return outlet.date_style if outlet else DEFAULT_DATE_STYLE


def _builtin_path() -> Path:
    packaged = Path(__file__).parent / "data" / "outlets.toml"
    if packaged.exists():
        return packaged
    return Path(__file__).resolve().parent.parent / "data" / "outlets.toml"  # a source checkout


def builtin_registry_path() -> Path:
    """The shipped registry file (`clipper info` names it)."""
    return _builtin_path()


def user_registry_path() -> Path | None:
    found = _user_registry_file()
    return Path(found) if found else None


def _user_registry_file() -> str | None:
    """The user's registry file as a string, or None: asked once a page, so only a stat when nothing changed."""
    env = os.environ.get("CLIPPER_OUTLETS")
    if env:
        return os.path.expanduser(env)
    path = _config_file(os.environ.get("XDG_CONFIG_HOME"), os.environ.get("HOME"), os.environ.get("APPDATA"),
                        os.environ.get("USERPROFILE"))
    return path if os.path.exists(path) else None


@lru_cache(maxsize=8)
def _config_file(_xdg: str | None, _home: str | None, _appdata: str | None, _profile: str | None) -> str:
    """Where config_dir() puts outlets.toml under these environment values (pathlib's work done once)."""
    from clipper.paths import config_dir

    return str(config_dir() / "outlets.toml")


def _parse(data: dict[str, Any], origin: str) -> tuple[list[Outlet], list[str]]:
    outlets = []
    for i, entry in enumerate(data.get("outlet", [])):
        if not isinstance(entry, dict) or not entry.get("name"):
            raise UsageError(f"{origin}: outlet #{i + 1} has no name")
        try:
            outlets.append(
                Outlet(
                    name=str(entry["name"]),
                    site_name=str(entry.get("site_name") or entry["name"]),
                    domains=tuple(str(d).lower() for d in entry.get("domains", [])),
                    aliases=tuple(str(a) for a in entry.get("aliases", [])),
                    date_style=str(entry.get("date_style", DEFAULT_DATE_STYLE)),
                    body=tuple(entry.get("body", [])),
                    drop=tuple(entry.get("drop", [])),
                    syndicator=bool(entry.get("syndicator", False)),
                    source=tuple(entry.get("source", [])),
                )
            )
        except (TypeError, ValueError) as exc:
            raise UsageError(f"{origin}: outlet {entry.get('name')!r}: {exc}") from None
    phrases = [str(p) for p in data.get("soft404", {}).get("phrases", [])]
    return outlets, phrases


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise UsageError(f"cannot read outlet registry {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"outlet registry {path} is not valid TOML: {exc}") from None


@lru_cache(maxsize=8)
def _load(user_path: str | None) -> Registry:
    outlets, phrases = _parse(_read(_builtin_path()), "built-in registry")
    if user_path:
        extra, extra_phrases = _parse(_read(Path(user_path)), user_path)
        replaced = {o.name for o in extra}
        outlets = extra + [o for o in outlets if o.name not in replaced]
        phrases += extra_phrases
    return Registry(outlets, tuple(phrases))


def load_registry() -> Registry:
    """The built-in registry merged with the user's file, if any."""
    return _load(_user_registry_file())
