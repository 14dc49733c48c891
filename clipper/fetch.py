"""Fetching pages with httpx: User-Agent, timeouts with a total deadline, redirects, a size cap, decoding.

Reading a saved .html file goes through the same decoding, so a page from disk and one from the web are alike.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpcore
import httpx

from clipper import __version__
from clipper.encoding import decode_html
from clipper.errors import FetchError, NotHTMLError, UsageError
from clipper.files import read_bytes
from clipper.models import Page
from clipper.urls import check_url, strip_credentials

USER_AGENT = f"clipper/{__version__} (news clipping tool; python-httpx/{httpx.__version__})"
DEFAULT_TIMEOUT = 30.0
RESERVE_ABOVE = 2 * 1024 * 1024  # a page this large waits for memory before its body is read (see fetch)
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 10

_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")
_BINARY_MAGIC = {
    b"%PDF": "application/pdf",
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF8": "image/gif",
    b"PK\x03\x04": "application/zip",
    b"\x1f\x8b": "application/gzip",
    b"RIFF": "audio/video (RIFF)",
    b"ID3": "audio/mpeg",
}


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


_local = threading.local()


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Every network operation of this thread inside the block (connect, TLS, request, headers, body) ends by
    `seconds` from now: httpx's own timeouts apply to each read, so a server dripping a byte every half second
    would never trip them."""
    outer: float | None = getattr(_local, "deadline", None)
    mine = time.monotonic() + seconds
    _local.deadline = mine if outer is None else min(outer, mine)
    try:
        yield
    finally:
        _local.deadline = outer


def _clamp(timeout: float | None, exc: type[Exception]) -> float | None:
    end: float | None = getattr(_local, "deadline", None)
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise exc("the total deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname,
                                                     _clamp(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_tcp(host, port, _clamp(timeout, httpcore.ConnectTimeout),
                                                       local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_unix_socket(path, _clamp(timeout, httpcore.ConnectTimeout),
                                                               socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _install_deadlines(client: httpx.Client) -> None:
    """Route every connection of the client's transports (the direct one and each proxy's) through
    _DeadlineBackend. httpx has no public door for a network backend, so this sets its pools' backend."""
    transports = [client._transport, *client._mounts.values()]  # noqa: SLF001
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        if pool is not None and hasattr(pool, "_network_backend"):
            pool._network_backend = _DeadlineBackend(pool._network_backend)


def make_client(timeout: float = DEFAULT_TIMEOUT, *, max_connections: int = 16,
                verify: ssl.SSLContext | None = None) -> httpx.Client:
    """The one HTTP client: honours HTTP(S)_PROXY and SSL_CERT_FILE, follows at most 10 redirects.

    `verify`: a TLS context made once (httpx.create_ssl_context()) to share between several clients; making one
    costs ~0.2 s."""
    client = httpx.Client(
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
                 "Accept-Language": "ja,en;q=0.7"},
        timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        trust_env=True,
        verify=verify if verify is not None else True,
    )
    _install_deadlines(client)
    return client


def _sniff_binary(head: bytes) -> str | None:
    for magic, kind in _BINARY_MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


def _is_html_type(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return not media or media in _HTML_TYPES or media == "text/plain"


def _reason(exc: httpx.HTTPError) -> str:
    text = str(exc) or exc.__class__.__name__
    low = text.lower()
    if isinstance(exc, httpx.TooManyRedirects):
        return f"too many redirects (more than {MAX_REDIRECTS}; a redirect loop?)"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return f"redirected to an unsupported URL scheme ({text}); only http and https are fetched"
    if isinstance(exc, httpx.ConnectTimeout):
        return "timed out connecting"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ProxyError):
        return f"proxy error: {text}"
    if isinstance(exc, httpx.ConnectError):
        if "name or service not known" in low or "nodename nor servname" in low or "getaddrinfo" in low or \
                "name resolution" in low or "no address associated" in low:
            return "DNS lookup failed (no such host)"
        if "refused" in low:
            return "connection refused"
        return f"cannot connect: {text}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server broke the connection: {text}"
    if isinstance(exc, httpx.DecodingError):
        return f"the response body could not be decompressed: {text}"
    return text


def fetch(
    url: str,
    client: httpx.Client,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_non_html: bool = False,
    reserve: Callable[[int], None] | None = None,
) -> Page:
    """GET a page. Raises FetchError (NotHTMLError for a PDF, an image...) with a one-line reason.

    ``reserve(n)`` is called before the body of a large page is read (declared, or found, over RESERVE_ABOVE
    bytes): it may wait for memory (clipper.budget); the time it waits does not count against ``timeout``."""
    url = check_url(url)
    ends = time.monotonic() + timeout

    def wait_for_memory(size: int) -> None:
        nonlocal ends
        if reserve is None:
            return
        started = time.monotonic()
        reserve(size)
        waited = time.monotonic() - started
        ends += waited
        _local.deadline = getattr(_local, "deadline", ends) + waited
    try:
        with deadline(timeout), client.stream("GET", url) as resp:
            final_url = strip_credentials(str(resp.url))
            if resp.url.scheme not in ("http", "https"):
                raise FetchError(url, f"redirected to an unsupported URL scheme ({resp.url.scheme})")
            if resp.status_code >= 400:
                raise FetchError(url, f"HTTP {resp.status_code} {resp.reason_phrase}".strip(), resp.status_code)
            if 300 <= resp.status_code < 400:  # a redirect httpx could not follow: no Location, or an unusable one
                raise FetchError(url, f"HTTP {resp.status_code} {resp.reason_phrase} without a usable Location header"
                                 .replace("  ", " "), resp.status_code)
            content_type = resp.headers.get("content-type", "")
            if not allow_non_html and not _is_html_type(content_type):
                raise NotHTMLError(url, content_type.split(";")[0].strip(), resp.status_code)
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes and \
                    not resp.headers.get("content-encoding"):
                raise FetchError(url, f"page too large ({int(declared)} bytes; the cap is {max_bytes})")
            if declared and declared.isdigit() and int(declared) >= RESERVE_ABOVE:
                wait_for_memory(int(declared))
            reserved = bool(declared and declared.isdigit() and int(declared) >= RESERVE_ABOVE)
            chunks: list[bytes] = []
            size = 0
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if size >= RESERVE_ABOVE and not reserved:
                    wait_for_memory(max_bytes)  # a large page of unknown length: as large as it may be
                    reserved = True
                if size > max_bytes:
                    raise FetchError(url, f"page too large (over the cap of {max_bytes} bytes)")
                chunks.append(chunk)
                if time.monotonic() > ends:
                    raise FetchError(url, f"timed out (no complete page within {timeout:g} s)")
            raw = b"".join(chunks)
            status = resp.status_code
            headers = tuple(resp.headers.multi_items())
    except httpx.HTTPError as exc:
        raise FetchError(url, _reason(exc)) from None
    kind = _sniff_binary(raw[:8])
    if kind and not allow_non_html:
        raise NotHTMLError(url, kind, status)
    return _page_from_bytes(raw, source=url, url=url, final_url=final_url, status=status,
                            content_type=content_type or None, headers=headers)


def read_file(path: str, *, max_bytes: int = DEFAULT_MAX_BYTES, url: str | None = None) -> Page:
    """A saved page from disk, decoded like a fetched one. Raises UsageError if it cannot be read."""
    raw = read_bytes(path, what="a saved page", max_bytes=max_bytes)
    kind = _sniff_binary(raw[:8])
    if kind:
        raise UsageError(f"not an HTML page ({kind}): {path}")
    return _page_from_bytes(raw, source=str(path), url=url, final_url=None, status=None,
                            content_type=None)


def _page_from_bytes(
    raw: bytes,
    *,
    source: str,
    url: str | None,
    final_url: str | None,
    status: int | None,
    content_type: str | None,
    headers: tuple[tuple[str, str], ...] = (),
) -> Page:
    decoded = decode_html(raw, content_type)
    warnings = (decoded.warning,) if decoded.warning else ()
    return Page(
        source=source,
        url=url,
        final_url=final_url,
        status=status,
        content_type=content_type,
        raw=raw,
        text=decoded.text,
        encoding=decoded.encoding,
        encoding_source=decoded.source,
        fetched_at=now_iso(),
        warnings=warnings,
        headers=headers,
    )


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds a Retry-After header asks to wait (a number of seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
