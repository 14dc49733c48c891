"""URL checks and normalisation: only http(s), no credentials kept, tracking parameters dropped for identity."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from clipper.errors import UsageError

_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "__")
_TRACKING_KEYS = {
    "fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "ref", "ref_src", "iref", "cmpid", "ncid",
    "spm", "from", "source", "_ga", "mkt_tok", "oly_enc_id", "oly_anon_id", "s_cid", "share", "n_cid",
}


_EDGES = re.compile(r"^[\s\x00-\x20]+|[\s\x00-\x20]+$")  # whitespace and control characters at either end


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def strip_credentials(url: str) -> str:
    """Remove user:password@ from a URL, so it is never stored or printed. Never raises.

    The host and port are kept exactly as written (an IPv6 host keeps its brackets)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed IPv6 bracket...: drop whatever precedes an @ in the authority all the same
        return re.sub(r"^([^:/?#]*:)?//[^/?#]*@", r"\1//", url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def check_url(url: str) -> str:
    """Validate a URL given by the user or found in a page; returns it without credentials.

    Raises UsageError for anything but an absolute http(s) URL with a host.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number from 0 to 65535
    except ValueError as exc:
        raise UsageError(f"not a valid URL: {strip_credentials(url)!r} ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        scheme = parts.scheme or "no scheme"
        shown = strip_credentials(url)
        raise UsageError(f"unsupported URL scheme ({scheme}): only http and https are fetched: {shown}")
    if not parts.hostname:
        raise UsageError(f"not a valid URL (no host): {strip_credentials(url)!r}")
    url = strip_credentials(url)
    problem = url_problem(url)
    if problem:
        raise UsageError(f"not a valid URL ({problem}): {_shorten(url)!r}")
    return url


MAX_URL_LENGTH = 8192  # browsers and servers refuse far shorter; httpx refuses 65,536
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _shorten(url: str, limit: int = 120) -> str:
    return url if len(url) <= limit else url[:limit] + f"... ({len(url)} characters)"


def url_problem(url: str) -> str | None:
    """Why a URL cannot be fetched (what httpx or the resolver would refuse later), or None.

    Checked when a URL is stored, so a clip's address can always be checked."""
    if len(url) > MAX_URL_LENGTH:
        return f"longer than {MAX_URL_LENGTH} characters"
    if _CONTROL.search(url):
        return "a control character in it"
    try:
        host = urlsplit(url).hostname or ""
    except ValueError as exc:
        return str(exc)
    if host.startswith("[") or ":" in host:  # IPv6, validated by urlsplit
        return None
    try:
        ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return "a host name that cannot be encoded (IDNA)"
    labels = ascii_host.rstrip(".").split(".")
    if len(ascii_host) > 253 or not all(_LABEL.match(label) for label in labels):
        return "not a valid host name (empty or over-long label, or a character hosts cannot have)"
    return None


def normalize_url(url: str) -> str:
    """The identity of an article address: lower-case scheme/host, no fragment, no tracking parameters,
    no default port, no credentials. Two URLs that normalise the same are the same article."""
    url = strip_credentials(_EDGES.sub("", url))
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL anything could fetch: it is its own identity
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:  # a port that is not a number from 0 to 65535: kept as written
        port, host = None, parts.netloc.rpartition("@")[2].lower()
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PREFIXES) and k.lower() not in _TRACKING_KEYS
    ]
    encoded = urlencode(query, doseq=True)
    path = (parts.path if encoded else _EDGES.sub("", parts.path)) or "/"  # no space left at the end (a: #)
    return urlunsplit((scheme, host, path, encoded, ""))


def host_of(url: str | None) -> str:
    if not url:
        return ""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
