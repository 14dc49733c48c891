"""Every error clipper raises on purpose.

    ClipperError                 base: the CLI turns any of these into one line on stderr and exit 1
    +-- UsageError               bad arguments or input (not a URL, unreadable file, unknown id...)
    +-- FetchError               a target could not be fetched (DNS, refused, timeout, HTTP status, too big...)
    |   +-- NotHTMLError         fetched fine, but the body is a PDF, an image...
    +-- StoreError               the database cannot be opened or written (not SQLite, newer schema, read-only)
    +-- ImportFormatError        a post cannot be imported (no ● section, an unparsable section), with line numbers
    +-- LockedError              another run of the same command holds the database's lock (clipper check)
"""

from __future__ import annotations


class ClipperError(Exception):
    """Base class: the message is meant for the user, on one line."""


class UsageError(ClipperError):
    pass


class FetchError(ClipperError):
    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class NotHTMLError(FetchError):
    def __init__(self, url: str, content_type: str, status: int | None = None) -> None:
        kind = content_type or "unknown type"
        super().__init__(url, f"not an HTML page ({kind}); use --title to store a link-only clip", status)
        self.content_type = content_type


class StoreError(ClipperError):
    pass


class LockedError(ClipperError):
    pass


class ImportFormatError(ClipperError):
    def __init__(self, source: str, line: int | None, reason: str) -> None:
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {reason}")
        self.source = source
        self.line = line
        self.reason = reason
