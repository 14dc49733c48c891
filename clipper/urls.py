"""URL checks and normalisation: only http(s), no credentials kept, tracking parameters dropped for identity."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from clipper.errors import UsageError

_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "__")
_TRACKING_KEYS = {
    "fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "ref", "ref_src", "iref", "cmpid", "ncid",
    "spm", "from", "source", "_ga", "mkt_tok", "oly_enc_id", "oly_anon_id", "s_cid", "share", "n_cid",
}


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def strip_credentials(url: str) -> str:
    """Remove user:password@ from a URL, so it is never stored or printed."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def check_url(url: str) -> str:
    """Validate a URL given by the user or found in a page; returns it without credentials.

    Raises UsageError for anything but an absolute http(s) URL with a host.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise UsageError(f"not a valid URL: {url!r} ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        scheme = parts.scheme or "no scheme"
        shown = strip_credentials(url)
        raise UsageError(f"unsupported URL scheme ({scheme}): only http and https are fetched: {shown}")
    if not parts.hostname:
        raise UsageError(f"not a valid URL (no host): {url!r}")
    return strip_credentials(url)


def normalize_url(url: str) -> str:
    """The identity of an article address: lower-case scheme/host, no fragment, no tracking parameters,
    no default port, no credentials. Two URLs that normalise the same are the same article."""
    url = strip_credentials(url.strip())
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and not ((scheme == "http" and parts.port == 80) or (scheme == "https" and parts.port == 443)):
        host = f"{host}:{parts.port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PREFIXES) and k.lower() not in _TRACKING_KEYS
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, urlencode(query, doseq=True), ""))


def host_of(url: str | None) -> str:
    if not url:
        return ""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
