"""A loopback web for tests: one server that is a plain HTTP server, an HTTP proxy and an HTTPS proxy.

httpx honours HTTP_PROXY / HTTPS_PROXY, so clipper fetches `https://www.sankei.com/...` through it and gets the
saved page, without the internet. HTTPS goes through CONNECT and a TLS certificate for the requested host signed by
a test CA (trustme); SSL_CERT_FILE points httpx at that CA.
"""

from __future__ import annotations

import socketserver
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import trustme


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    drip: float = 0.0  # seconds between bytes of the body (a slow server)
    stream: Callable[[], Iterable[bytes]] | None = None  # a body sent chunk by chunk (may never end)
    header_drip: float = 0.0  # seconds between bytes of the status line and headers (a slowloris server)


Handler = Callable[["RequestInfo"], Response]


@dataclass
class RequestInfo:
    method: str
    url: str
    headers: dict[str, str]


class LoopbackWeb:
    def __init__(self) -> None:
        self.ca = trustme.CA()
        self.routes: dict[str, Response | Handler] = {}
        self.prefixes: dict[str, Handler] = {}
        self.requests: list[RequestInfo] = []
        self.in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}
        self._lock = threading.Lock()
        self._contexts: dict[str, ssl.SSLContext] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.proxy = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LoopbackWeb:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def ca_file(self, path: str) -> str:
        self.ca.cert_pem.write_to_path(path)
        return path

    def context_for(self, host: str) -> ssl.SSLContext:
        with self._lock:
            ctx = self._contexts.get(host)
            if ctx is None:
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                self.ca.issue_cert(host).configure_cert(ctx)
                self._contexts[host] = ctx
            return ctx

    def add(self, url: str, response: Response | Handler) -> None:
        self.routes[_key(url)] = response

    def add_prefix(self, prefix: str, handler: Handler) -> None:
        """Answer every URL that starts with `prefix` (query strings included) that has no route of its own."""
        self.prefixes[prefix] = handler

    def add_page(self, url: str, body: bytes, content_type: str = "text/html", **kw: object) -> None:
        headers = {"Content-Type": content_type} if content_type else {}
        self.add(url, Response(200, body, headers, **kw))  # type: ignore[arg-type]

    def reset(self) -> None:
        self.routes.clear()
        self.prefixes.clear()
        self.requests.clear()
        self.in_flight.clear()
        self.max_in_flight.clear()


def _key(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{parts.scheme}://{(parts.hostname or '').lower()}{':' + str(parts.port) if parts.port else ''}{path}" + (
        f"?{parts.query}" if parts.query else "")


def _make_handler(web: LoopbackWeb) -> type[BaseHTTPRequestHandler]:
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        tls_host: str | None = None

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            pass

        def handle(self) -> None:
            # a client that drops a kept-alive connection is normal here, not a traceback on stderr
            try:
                super().handle()
            except (ConnectionResetError, BrokenPipeError, ssl.SSLError, TimeoutError):
                self.close_connection = True

        def do_CONNECT(self) -> None:  # noqa: N802
            host = self.path.split(":")[0]
            self.send_response(200, "Connection established")
            self.end_headers()
            try:
                conn = web.context_for(host).wrap_socket(self.connection, server_side=True)
            except (ssl.SSLError, OSError):
                self.close_connection = True
                return
            self.connection = conn
            self.rfile = conn.makefile("rb", -1)
            self.wfile = socketserver._SocketWriter(conn)  # type: ignore[attr-defined]
            self.tls_host = host
            self.close_connection = False

        def _url(self) -> str:
            if self.path.startswith(("http://", "https://")):
                return self.path
            if self.tls_host:
                return f"https://{self.tls_host}{self.path}"
            host = self.headers.get("Host", f"127.0.0.1:{web.port}")
            return f"http://{host}{self.path}"

        def _serve(self, head_only: bool = False) -> None:
            url = self._url()
            info = RequestInfo(self.command, url, {k.lower(): v for k, v in self.headers.items()})
            host = urlsplit(url).hostname or ""
            with web._lock:
                web.requests.append(info)
                web.in_flight[host] = web.in_flight.get(host, 0) + 1
                web.max_in_flight[host] = max(web.max_in_flight.get(host, 0), web.in_flight[host])
            try:
                route = web.routes.get(_key(url))
                if route is None:
                    route = next((h for p, h in web.prefixes.items() if url.startswith(p)), None)
                if route is None:
                    resp = Response(404, b"<html><body><h1>Not Found</h1></body></html>",
                                    {"Content-Type": "text/html"})
                elif callable(route):
                    resp = route(info)
                else:
                    resp = route
                if resp.delay:
                    time.sleep(resp.delay)
                self.send_response(resp.status)
                headers = dict(resp.headers)
                if "Content-Length" not in headers and "Transfer-Encoding" not in headers:
                    headers["Content-Length"] = str(len(resp.body))
                for k, v in headers.items():
                    self.send_header(k, v)
                if resp.header_drip:
                    head = b"".join(self._headers_buffer) + b"\r\n"  # type: ignore[attr-defined]
                    self._headers_buffer = []  # type: ignore[attr-defined]
                    for i in range(len(head)):
                        self.wfile.write(head[i:i + 1])
                        self.wfile.flush()
                        time.sleep(resp.header_drip)
                else:
                    self.end_headers()
                if head_only:
                    return
                if resp.stream is not None:
                    for chunk in resp.stream():
                        self.wfile.write(chunk)
                        self.wfile.flush()
                elif resp.drip:
                    for i in range(len(resp.body)):
                        self.wfile.write(resp.body[i:i + 1])
                        self.wfile.flush()
                        time.sleep(resp.drip)
                else:
                    self.wfile.write(resp.body)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                self.close_connection = True
            finally:
                with web._lock:
                    web.in_flight[host] = web.in_flight.get(host, 1) - 1

        def do_GET(self) -> None:  # noqa: N802
            self._serve()

        def do_HEAD(self) -> None:  # noqa: N802
            self._serve(head_only=True)

    return H
