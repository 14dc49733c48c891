"""What a stored row may hold: the rules an archive row is checked against before `import --json` restores it.

They are the rules of the code that writes each column: addresses as `add` takes them (clipper.urls: absolute
http(s) with a host, no credentials, no control characters), dates in the forms clipper writes (ISO dates and
date-times for published dates, UTC stamps for the times things happened), tags as `edit --tag` stores them, the
JSON lists of quotes, summaries and warnings with the item types drafts expect, and pages whose zlib data
decompresses to `size` bytes hashing to their `sha256`. Keys derived from other columns (`url_key`,
`canonical_key`) must be text or null, and are recomputed rather than taken from the archive.

`check_row(table, row)` returns the values to insert or raises `Invalid(field, reason)`; a restore turns that into
`FILE:LINE: field: reason`. Whether an id is taken or a referenced row exists is the restore's business (it asks
the database being written).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clipper.errors import UsageError
from clipper.models import MAX_BODY
from clipper.urls import check_url, is_url, normalize_url, strip_credentials
from clipper.verdict import STATUSES

MAX_ID = 2**63 - 1  # SQLite's largest integer
MAX_SHORT = 10_000  # characters in a one-line field (title, outlet, author, a tag...); extraction keeps titles to 501
MAX_URL = 65_536
# Characters of a clip's longer texts (MAX_BODY: clipper.models, which extraction keeps to as well).
MAX_QUOTE = 500_000  # the quoted paragraphs (JSON), part of the body
MAX_NOTE = 100_000  # a note, or the summary points (JSON)
MAX_TAG = 200
MAX_TAGS = 1_000  # tags of one clip
MAX_PAGE = 1 << 30  # bytes of one decompressed page (add's --max-mb caps what is fetched; 10 MB by default)
MISSING = object()


class Invalid(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def kind(value: Any) -> str:
    """How a JSON value is named in an error."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number with a fraction"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "bytes" if set(value) == {"$base64"} else "an object"
    return type(value).__name__


Check = Callable[[Any], Any]  # a value from the archive -> the value to store; raises ValueError(reason)


@dataclass(frozen=True)
class Column:
    check: Check
    nullable: bool = True
    default: Any = MISSING  # the value a missing key gets (None for a nullable column without one)
    derived: bool = False  # recomputed from the other columns, whatever the archive says


_UNSAFE = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates: SQLite text cannot hold them faithfully
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ufeff]")
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _need_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {kind(value)}")
    if _UNSAFE.search(value):
        raise ValueError("contains a NUL or an unpaired surrogate character")
    return value


def text(limit: int | None = None) -> Check:
    def check(value: Any) -> str:
        value = _need_text(value)
        if limit is not None and len(value) > limit:
            raise ValueError(f"longer than {limit} characters")
        return value

    return check


def integer(low: int, high: int) -> Check:
    def check(value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"expected an integer, got {kind(value)}")
        if not low <= value <= high:
            raise ValueError(f"{value} is out of range ({low} to {high})")
        return value

    return check


def one_of(*allowed: str) -> Check:
    def check(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"{_show(value)} is not one of {', '.join(allowed)}")
        return str(value)

    return check


def _show(value: Any) -> str:
    shown = repr(value) if isinstance(value, str) else kind(value)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def url(value: Any) -> str:
    """An address as `add` stores it: what clipper.urls.check_url accepts, already without credentials."""
    value = _need_text(value)
    if len(value) > MAX_URL:
        raise ValueError(f"longer than {MAX_URL} characters")
    if _CONTROLS.search(value) or value != value.strip():
        raise ValueError("contains control characters or spaces at either end")
    try:
        checked = check_url(value)
    except UsageError as exc:
        raise ValueError(str(exc)) from None
    if checked != value:
        raise ValueError(f"carries credentials (user:password@); clipper never stores them: {checked}")
    return value


def source(value: Any) -> str:
    """Where a fetch came from as the user named it: a saved file's path, or an address (without credentials)."""
    value = text()(value)
    if is_url(value) and strip_credentials(value) != value:
        raise ValueError("carries credentials (user:password@); clipper never stores them")
    return value


def stamp(value: Any) -> str:
    """When something happened, as clipper records it: 2025-01-21T03:04:05Z (an offset is read too)."""
    value = _need_text(value)
    if not _STAMP.fullmatch(value):
        raise ValueError(f"{_show(value)} is not a time like 2025-01-21T03:04:05Z")
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{_show(value)} is not a real date and time") from None
    return value


def published(value: Any) -> str:
    """A published date as extraction and `edit --date` write it: 2016-08-01 or 2016-08-01T10:00:00+09:00."""
    from clipper.extract.dates import MAX_YEAR, MIN_YEAR, parse_date

    value = _need_text(value)
    parsed = parse_date(value) if len(value) <= 40 else None
    if parsed is None or parsed.iso() != value:
        raise ValueError(f"{_show(value)} is not an ISO date (2016-08-01) or date-time (2016-08-01T10:00:00+09:00)"
                         f" between {MIN_YEAR} and {MAX_YEAR}")
    return value


def tag(value: Any) -> str:
    """A tag as `add --tag` and `edit --tag` store it: not blank, no spaces at either end."""
    value = text(MAX_TAG)(value)
    if not value.strip():
        raise ValueError("blank")
    if value != value.strip():
        raise ValueError(f"{_show(value)} has spaces at either end")
    return value


def sha256(value: Any) -> str:
    value = _need_text(value)
    if not _SHA256.fullmatch(value):
        raise ValueError(f"{_show(value)} is not a SHA-256 (64 lower-case hex digits)")
    return value


def json_list(item: Check, what: str, limit: int | None = None) -> Check:
    """A column holding a JSON list (as text), each item checked: quotes, summaries, warnings."""

    def check(value: Any) -> str:
        value = text(limit)(value)
        try:
            items = json.loads(value)
        except RecursionError:
            raise ValueError("its JSON is nested too deeply") from None
        except ValueError:
            raise ValueError(f"not a JSON list of {what}") from None
        if not isinstance(items, list):
            raise ValueError(f"not a JSON list of {what} (it is {kind(items)})")
        for number, entry in enumerate(items, start=1):
            try:
                item(entry)
            except ValueError as exc:
                raise ValueError(f"item {number}: {exc}") from None
        return value

    return check


def _header(value: Any) -> None:
    """A response header as the fetch stored it: [name, value], both text."""
    if not (isinstance(value, list) and len(value) == 2):
        raise ValueError(f"expected [name, value], got {kind(value)}")
    text(MAX_SHORT)(value[0])
    text(MAX_URL)(value[1])


def _quote_item(value: Any) -> None:
    if value is not None:  # null marks a cut (略)
        text()(value)


def blob(value: Any) -> bytes:
    if not (isinstance(value, dict) and set(value) == {"$base64"}):
        raise ValueError(f"expected bytes ({{\"$base64\": ...}}), got {kind(value)}")
    encoded = value["$base64"]
    if not isinstance(encoded, str):
        raise ValueError(f"$base64: expected text, got {kind(encoded)}")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not valid base64") from None


ID = Column(integer(1, MAX_ID), nullable=False)
REF = Column(integer(1, MAX_ID), nullable=False)
SHORT = Column(text(MAX_SHORT))
URL = Column(url)
HTTP_STATUS = Column(integer(100, 999))
DERIVED = Column(text(), derived=True)

TABLES: dict[str, dict[str, Column]] = {
    "clips": {
        "id": ID, "url": URL, "url_key": DERIVED, "final_url": URL, "canonical_url": URL,
        "canonical_key": DERIVED, "title": SHORT, "outlet": SHORT, "site_name": SHORT,
        "published": Column(published), "published_source": SHORT, "author": SHORT,
        "body": Column(text(MAX_BODY), nullable=False, default=""),
        "summary": Column(json_list(text(), "texts", MAX_NOTE)),
        "quote": Column(json_list(_quote_item, "texts or nulls", MAX_QUOTE)),
        "note": Column(text(MAX_NOTE)), "lang": SHORT, "encoding": SHORT,
        "added_at": Column(stamp, nullable=False), "updated_at": Column(stamp, nullable=False),
        "status": Column(one_of(*STATUSES)), "status_http": HTTP_STATUS, "status_reason": SHORT,
        "checked_at": Column(stamp), "fail_count": Column(integer(0, MAX_ID), nullable=False, default=0),
        "moved_to": URL, "archive_url": URL,
    },
    "tags": {"clip_id": REF, "tag": Column(tag, nullable=False)},
    "pages": {
        "sha256": Column(sha256, nullable=False), "size": Column(integer(0, MAX_PAGE), nullable=False),
        "compression": Column(one_of("zlib"), nullable=False, default="zlib"),
        "data": Column(blob, nullable=False),
    },
    "fetches": {
        "id": ID, "clip_id": REF, "fetched_at": Column(stamp, nullable=False), "source": Column(source), "url": URL,
        "final_url": URL, "http_status": HTTP_STATUS, "content_type": SHORT, "encoding": SHORT,
        "encoding_source": SHORT, "warnings": Column(json_list(text(), "texts")), "page_sha256": Column(sha256),
        # m003: the response headers, a web archive's snapshot (address, capture time), the page of a multi-page article
        "headers": Column(json_list(_header, "[name, value] pairs", MAX_NOTE)), "snapshot_url": URL,
        "snapshot_at": Column(stamp), "part": Column(integer(1, 1000)),
    },
    "checks": {
        "id": ID, "clip_id": REF, "checked_at": Column(stamp, nullable=False),
        "status": Column(one_of(*STATUSES), nullable=False), "http_status": HTTP_STATUS, "reason": SHORT,
        "final_url": URL, "archive_url": URL,
    },
    "posts": {
        "id": ID, "source": Column(text(), nullable=False), "title": SHORT, "date": Column(published),
        "content_sha256": Column(sha256, nullable=False), "imported_at": Column(stamp, nullable=False),
    },
    "post_clips": {"post_id": REF, "clip_id": REF, "position": Column(integer(0, MAX_ID), nullable=False)},
}


def check_row(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """The row's values to insert, every column present, or Invalid naming the first bad field."""
    columns = TABLES[table]
    unknown = sorted(set(row) - set(columns))
    if unknown:
        raise Invalid(unknown[0], f"no such column in {table}")
    out: dict[str, Any] = {}
    for name, column in columns.items():
        value = row.get(name, MISSING)
        if value is MISSING:
            if column.default is not MISSING:
                value = column.default
            elif column.nullable:
                value = None
            else:
                raise Invalid(name, "missing")
        if value is None:
            if not column.nullable:
                raise Invalid(name, "must not be null")
            out[name] = None
            continue
        try:
            out[name] = column.check(value)
        except ValueError as exc:
            raise Invalid(name, str(exc)) from None
    if table == "clips":  # derived: whatever text the archive holds there, the keys are this clipper's
        out["url_key"] = normalize_url(out["url"]) if out["url"] else None
        out["canonical_key"] = normalize_url(out["canonical_url"]) if out["canonical_url"] else None
    elif table == "pages":
        check_page(out["sha256"], out["size"], out["data"])
    return out


def check_page(digest: str, size: int, data: bytes) -> None:
    """zlib data that decompresses to exactly `size` bytes hashing to `digest`, inflated a piece at a time (a
    zlib bomb stops at the declared size)."""
    inflate = zlib.decompressobj()
    hasher = hashlib.sha256()
    total = 0
    chunk = 1 << 20
    try:
        pending = data
        while pending and not inflate.eof:
            piece = inflate.decompress(pending, chunk)
            total += len(piece)
            if total > size:
                raise Invalid("data", f"decompresses to more than its size ({size} bytes)")
            hasher.update(piece)
            pending = inflate.unconsumed_tail
        if not inflate.eof:
            piece = inflate.flush()
            total += len(piece)
            hasher.update(piece)
            if not inflate.eof:
                raise Invalid("data", "zlib data cut short")
    except zlib.error:
        raise Invalid("data", "not zlib data (pages are stored zlib-compressed)") from None
    if inflate.unused_data:
        raise Invalid("data", "bytes after the end of the zlib data")
    if total != size:
        raise Invalid("size", f"{size}, but the page decompresses to {total} bytes")
    if hasher.hexdigest() != digest:
        raise Invalid("sha256", f"does not match the page's bytes (they hash to {hasher.hexdigest()})")


#: The columns of each table that hold addresses (export writes them without credentials, a restore refuses any).
URL_COLUMNS: dict[str, frozenset[str]] = {
    t: frozenset(c for c, column in columns.items() if column.check in (url, source)) for t, columns in TABLES.items()}
