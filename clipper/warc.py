"""`clipper export --warc`: the stored pages of clips as a WARC file (ISO 28500), written with warcio.

One warcinfo record, then per stored page a `response` record (the URL the page was fetched from, the fetch time,
the HTTP status and the response headers as stored, the page's bytes exactly) and per clip a `metadata` record
(the clip's fields as JSON, concurrent to its first page). Replay tools (pywb, ReplayWeb.page) open the file as is.

The stored bytes are the decoded body (httpx undoes gzip/br), so Content-Encoding and Transfer-Encoding are kept
under `X-Clipper-Original-` names and Content-Length is the stored length. A fetch from before headers were kept
(or a saved file) gets a Content-Type line only. A page from a web archive carries its snapshot's address and
capture time in `Clipper-Snapshot-URL` / `Clipper-Snapshot-Date` (WARC extension fields).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Sequence
from http import HTTPStatus
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from clipper import __version__
from clipper.errors import UsageError
from clipper.store import Store

_RENAMED = {"content-encoding", "transfer-encoding"}


def _warc_date(stamp: str | None) -> str | None:
    if not stamp:
        return None
    return stamp if stamp.endswith("Z") else stamp.replace("+00:00", "Z")


def _http_headers(page: dict[str, object]) -> StatusAndHeaders:
    status = int(page.get("http_status") or 200)  # type: ignore[call-overload]
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    pairs: list[tuple[str, str]] = []
    stored = page.get("headers")
    if isinstance(stored, list):
        for item in stored:
            if not isinstance(item, list) or len(item) != 2:
                continue
            name, value = str(item[0]), str(item[1])
            low = name.lower()
            if low == "content-length":
                continue
            pairs.append((f"X-Clipper-Original-{name}" if low in _RENAMED else name, value))
    else:
        pairs.append(("Content-Type", str(page.get("content_type") or "text/html")))
    raw = page["raw"]
    assert isinstance(raw, bytes)
    pairs.append(("Content-Length", str(len(raw))))
    return StatusAndHeaders(f"{status} {reason}".strip(), pairs, protocol="HTTP/1.1")


def write_warc(store: Store, clip_ids: Sequence[int], dest: str | Path) -> tuple[int, int]:
    """Write the clips' stored pages to `dest` (gzipped WARC when it ends in .gz), atomically. Returns (clips,
    pages) written. Raises UsageError when the file cannot be written."""
    dest = Path(dest).expanduser()
    folder = dest.parent if str(dest.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".clipper-", suffix=".warc.tmp", dir=folder)
    except OSError as exc:
        raise UsageError(f"cannot write {dest}: {exc.strerror}") from None
    clips = pages = 0
    try:
        with os.fdopen(fd, "wb") as fh:
            writer = WARCWriter(fh, gzip=dest.suffix == ".gz")
            info = writer.create_warcinfo_record(dest.name, {"software": f"clipper/{__version__}",
                                                             "format": "WARC File Format 1.1"})
            writer.write_record(info)
            for clip_id in clip_ids:
                clip = store.get_clip(clip_id)
                first_id: str | None = None
                for page in store.stored_pages(clip_id):
                    uri = str(page.get("final_url") or page.get("url") or clip.url or page.get("source"))
                    extra = {"WARC-Date": _warc_date(str(page["fetched_at"]))}
                    if page.get("snapshot_url"):
                        extra["Clipper-Snapshot-URL"] = str(page["snapshot_url"])
                        extra["Clipper-Snapshot-Date"] = _warc_date(str(page.get("snapshot_at") or ""))
                    raw = page["raw"]
                    assert isinstance(raw, bytes)
                    record = writer.create_warc_record(
                        uri, "response", payload=io.BytesIO(raw), http_headers=_http_headers(page),
                        warc_headers_dict={k: v for k, v in extra.items() if v})
                    writer.write_record(record)
                    first_id = first_id or record.rec_headers.get_header("WARC-Record-ID")
                    pages += 1
                meta = json.dumps(clip.to_json(), ensure_ascii=False).encode()
                headers = {"WARC-Concurrent-To": first_id} if first_id else {}
                writer.write_record(writer.create_warc_record(
                    clip.url or f"urn:clipper:clip:{clip.id}", "metadata", payload=io.BytesIO(meta),
                    warc_content_type="application/json", warc_headers_dict=headers))
                clips += 1
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return clips, pages
