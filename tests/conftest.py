from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.webserver import LoopbackWeb

FIXTURES = Path(__file__).parent / "fixtures"
JA = FIXTURES / "ja"


def load_truth() -> list[dict[str, Any]]:
    with (JA / "truth.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every path and env var points into tmp: no test touches the user's data, config or the internet."""
    isolate(monkeypatch, tmp_path)


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Point every path and env var clipper reads into tmp_path (also for fixtures wider than one test)."""
    monkeypatch.setenv("CLIPPER_DB", str(tmp_path / "clips.db"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for var in ("CLIPPER_OUTLETS", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy",
                "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CLIPPER_WAYBACK_URL", "http://127.0.0.1:9/wayback/available")
    monkeypatch.setenv("CLIPPER_SAVE_URL", "http://127.0.0.1:9/save/")
    monkeypatch.setenv("CLIPPER_CDX_URL", "http://127.0.0.1:9/cdx/search/cdx")


@pytest.fixture(scope="session")
def _web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LoopbackWeb, str]]:
    web = LoopbackWeb().start()
    ca = web.ca_file(str(tmp_path_factory.mktemp("ca") / "ca.pem"))
    yield web, ca
    web.stop()


@pytest.fixture
def web(_web_server: tuple[LoopbackWeb, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackWeb]:
    """The loopback web, set as this test's HTTP(S) proxy, with no routes yet."""
    server, ca = _web_server
    server.reset()
    for var in ("HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(var, server.proxy)
    monkeypatch.setenv("SSL_CERT_FILE", ca)
    yield server
    server.reset()


@pytest.fixture
def corpus_web(web: LoopbackWeb) -> LoopbackWeb:
    """The loopback web serving every corpus page at its own address (bytes exact, no charset header, as
    saved pages give no header)."""
    for row in load_truth():
        if row["url"]:
            web.add_page(row["url"], (JA / row["file"]).read_bytes(), content_type="text/html")
    return web


def closed_port() -> int:
    """A loopback port nothing listens on (for refused connections)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def env_for_subprocess() -> dict[str, str]:
    return dict(os.environ)
