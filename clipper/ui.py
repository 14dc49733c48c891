"""Rendering: rich consoles (stdout = data, stderr = talk), clip lines, tables, progress.

Every string that came from a web page goes through `safe()`: control characters and bidi overrides are
removed so a page cannot rewrite the terminal, and rich markup is escaped.
"""

from __future__ import annotations

import json
import os
import re
import sys
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from clipper.models import Clip

if TYPE_CHECKING:
    from clipper.search import SearchHit

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069"
                      r"\ufeff\ufff9-\ufffb]")  # as clipper.textclean.UNSAFE, plus \t; \n handled by the callers


class _LazyConsole:
    """A rich Console made on first use: importing rich costs ~70 ms that piped `list`/`--json` runs skip."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Any = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)

    def real(self) -> Any:
        """The Console itself, for rich objects that need one (Progress enters it as a context manager, which
        __getattr__ cannot forward)."""
        if self._console is None:
            from rich.console import Console

            # NO_COLOR (no-color.org) means no styling at all: rich's own no_color keeps bold and dim
            if os.environ.get("NO_COLOR"):
                self._console = Console(stderr=self._stderr, highlight=False, soft_wrap=True, color_system=None)
            else:
                self._console = Console(stderr=self._stderr, highlight=False, soft_wrap=True)
        return self._console


out: Any = _LazyConsole(stderr=False)
err: Any = _LazyConsole(stderr=True)


def escape(text: str) -> str:
    """rich's markup escape, without importing rich for it."""
    return re.sub(r"(\\*)(\[[a-z#/@][^[]*?])", lambda m: f"{m.group(1)}{m.group(1)}\\{m.group(2)}", text)


def safe(text: object, *, keep_newlines: bool = False) -> str:
    """Text from a page, made safe for a terminal: no control sequences, no bidi tricks, markup escaped."""
    s = "" if text is None else str(text)
    if keep_newlines:
        s = "\n".join(_CONTROL.sub("", line) for line in s.split("\n"))
    else:
        s = _CONTROL.sub("", s.replace("\n", " "))
    return escape(s)


def plain(text: object) -> str:
    """Like safe() but without markup escaping, for pipes, JSON and files."""
    s = "" if text is None else str(text)
    return _CONTROL.sub("", s.replace("\n", " "))


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def japan_day(published: str | None) -> str | None:
    """The calendar day of a published date or time in Japan time (YYYY-MM-DD), as the drafts and `cite` show it:
    ``2025-01-13T23:30:00-05:00`` is 2025-01-14. A date alone is that day; a time without an offset is Japan's."""
    if not published:
        return None
    if len(published) <= 10:
        return published
    from datetime import datetime, timedelta, timezone

    try:
        moment = datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        return published[:10]
    if moment.tzinfo is None:
        return moment.date().isoformat()
    return moment.astimezone(timezone(timedelta(hours=9))).date().isoformat()


def clip_line(clip: Clip, *, markup: bool = True) -> str:
    """`id  outlet  date  title [status]`: one line per clip (rich markup, or plain text for pipes)."""
    date = japan_day(clip.published) or "日付不明"
    outlet = clip.outlet or "?"
    status = f" [{clip.status}]" if clip.status and clip.status != "alive" else ""
    if clip.status == "dead" and clip.archive_url:
        status += f" archived: {clip.archive_url}"
    if not markup:
        return f"{clip.id}  {plain(outlet)}  {date}  {plain(clip.title or '(no title)')}{status}"
    return f"[bold]{clip.id}[/bold]  {safe(outlet)}  {date}  {safe(clip.title or '(no title)')}{safe(status)}"


def cell_len(text: str) -> int:
    """Terminal cells a string takes: wide (CJK, fullwidth) characters two, combining marks none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_len(text))


OUTLET_CELLS = 16  # a longer outlet name is not padded past this, so one long credit does not push every title


def clip_rows(clips: list[Clip], *, markup: bool, header: bool) -> list[str]:
    """`list` as aligned columns (ID, OUTLET, DATE, TITLE, then the link status), wide characters counted as two
    cells, with a header line when asked."""
    clean = safe if markup else plain
    cells = [(str(c.id), clean(c.outlet or "?"), japan_day(c.published) or "日付不明", c) for c in clips]
    id_w = max([len(i) for i, *_ in cells] + [2])
    outlet_w = min(max([cell_len(o) for _, o, *_ in cells] + [6]), OUTLET_CELLS)
    lines = [f"{'ID':>{id_w}}  {_pad('OUTLET', outlet_w)}  {'DATE':<10}  TITLE"] if header else []
    if header and markup:
        lines[0] = f"[dim]{lines[0]}[/dim]"
    for ident, outlet, date, clip in cells:
        status = f" [{clip.status}]" if clip.status and clip.status != "alive" else ""
        if clip.status == "dead" and clip.archive_url:
            status += f" archived: {clip.archive_url}"
        ident = f"{ident:>{id_w}}"
        if markup:
            ident = f"[bold]{ident}[/bold]"
        lines.append(f"{ident}  {_pad(outlet, outlet_w)}  {date:<10}  {clean(clip.title or '(no title)')}"
                     f"{clean(status)}")
    return lines


def print_clips(clips: Iterable[Clip], *, as_json: bool) -> int:
    """Clips as JSON Lines, or as aligned columns: with a header on a terminal, without in a pipe (so `wc -l`
    counts clips)."""
    if as_json:
        n = 0
        for clip in clips:
            n += 1
            print_json(clip.to_json())
        return n
    rows = list(clips)
    if sys.stdout.isatty():
        for line in clip_rows(rows, markup=True, header=bool(rows)):
            out.print(line)
    else:
        sys.stdout.write("".join(line + "\n" for line in clip_rows(rows, markup=False, header=False)))
    return len(rows)


def print_hits(hits: Iterable[SearchHit], *, as_json: bool) -> int:
    """Search results: JSON Lines (id, title, outlet, published, snippet, score), or each clip's line with a
    snippet under it, the matches highlighted on a terminal."""
    n = 0
    tty = sys.stdout.isatty()
    for hit in hits:
        n += 1
        if as_json:
            print_json({k: plain(v) if isinstance(v, str) else v for k, v in hit.to_json().items()})
        elif tty:
            out.print(clip_line(hit.clip))
            out.print("    " + "".join(f"[bold yellow]{safe(t)}[/bold yellow]" if match else safe(t)
                                       for t, match in hit.snippet))
        else:
            sys.stdout.write(f"{clip_line(hit.clip, markup=False)}\n    {plain(hit.snippet_text)}\n")
    return n


def render_info(data: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print_json(data)
        return
    index = data["index"]
    health = "ok" if index["ok"] else (f"{index['stale']} stale, {index['missing']} not indexed: run `clipper "
                                       "reindex`")
    statuses = ", ".join(f"{n} {s}" for s, n in data["link_status"].items()) or "none"
    rows = [
        ("database", data["database"]),
        ("size", f"{data['size_bytes'] / 1e6:.1f} MB" if data["size_bytes"] >= 100_000
         else f"{data['size_bytes']} bytes"),
        ("schema", data["schema"]),
        ("registry", "\n            ".join(data["registry"])),
        *((("not found", data["registry_missing"]),) if data["registry_missing"] else ()),
        ("clips", f"{data['clips']} ({statuses})"),
        ("pages", data["pages"]), ("posts", data["posts"]), ("checks", data["checks"]),
        ("index", f"{index['indexed']} clip(s) indexed, {health}"),
    ]
    for key, value in rows:
        sys.stdout.write(f"{key:<11} {value}\n")


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/yellow] {safe(message)}")


def error(message: str) -> None:
    err.print(f"[red]error:[/red] {safe(message)}")


def info(message: str) -> None:
    err.print(safe(message))


def show_clip(clip: Clip, fetches: list[dict[str, Any]], checks: list[dict[str, Any]]) -> None:
    out.print(f"[bold]{safe(clip.title or '(no title)')}[/bold]")
    rows = [
        ("id", clip.id), ("outlet", clip.outlet), ("site", clip.site_name),
        ("published", f"{clip.published or '日付不明'}" + (f" (from {clip.published_source})"
                                                          if clip.published_source else "")),
        ("author", clip.author), ("url", clip.url), ("canonical", clip.canonical_url),
        ("final url", clip.final_url if clip.final_url != clip.url else None), ("tags", ", ".join(clip.tags)),
        ("note", clip.note), ("added", clip.added_at), ("encoding", clip.encoding),
        ("status", f"{clip.status} ({checks[-1]['reason']})" if clip.status and checks and checks[-1].get("reason")
                   else clip.status), ("archived", clip.archive_url),
    ]
    rows += _provenance(fetches)
    for key, value in rows:
        if value not in (None, ""):
            out.print(f"  [dim]{key:<10}[/dim] {safe(value)}")
    if checks:
        shown = checks[-10:]
        more = f", the last {len(shown)} shown" if len(checks) > len(shown) else ""
        out.print(f"  [dim]link checks ({len(checks)}{more}, oldest first)[/dim]")
        for c in shown:
            when = str(c["checked_at"]).replace("T", " ").removesuffix("Z")[:16]
            http = f"HTTP {c['http_status']}" if c.get("http_status") else "no answer"
            out.print(f"    {safe(when)}  {safe(c['status']):<11} {safe(http):<9}  {safe(c.get('reason') or '')}")
            if c.get("final_url") and c["final_url"] != clip.url:
                out.print(f"      [dim]ended at[/dim] {safe(c['final_url'])}")
            if c.get("archive_url"):
                out.print(f"      [dim]archived[/dim] {safe(c['archive_url'])}")
    out.print()
    for para in clip.paragraphs:
        out.print(safe(para, keep_newlines=True))
        out.print()


def _provenance(fetches: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """Where the clip's current text came from: a web archive's snapshot (and when it was taken), several pages."""
    latest = [f for f in fetches if (f.get("part") or 1) == 1][-1:]
    if not latest:
        return []
    first = latest[0]
    start = fetches.index(first)
    parts = [f for f in fetches[start:] if f.get("part")]
    rows: list[tuple[str, Any]] = []
    if first.get("snapshot_url"):
        when = str(first.get("snapshot_at") or "?").replace("T", " ").removesuffix("Z")
        rows.append(("text from", f"the web archive: snapshot of {when} UTC, fetched "
                     f"{str(first['fetched_at'])[:10]} ({first['snapshot_url']})"))
    if len(parts) > 1:
        rows.append(("pages", f"{len(parts)} ({', '.join(str(f.get('url') or f.get('source')) for f in parts)})"))
    return rows


WAIT_SHOWN_AFTER = 1.0  # seconds a request is in flight before the progress bar names it
WAIT_URL_CELLS = 48


def short_url(url: str, cells: int = WAIT_URL_CELLS) -> str:
    """An address as a progress line names it: no scheme, no www., cut with … past `cells` terminal cells."""
    text = plain(re.sub(r"^[a-z][a-z0-9+.-]*://(www\.)?", "", url, flags=re.IGNORECASE)).rstrip("/")
    if cell_len(text) <= cells:
        return text
    while cell_len(text) > cells - 1:
        text = text[:-1]
    return text + "…"


def waiting_line(inflight: Any, after: float = WAIT_SHOWN_AFTER) -> str | None:
    """`waiting on example.com/slow 4 s · 3 in flight`: the request waited on longest, once it has taken
    `after` seconds; None while nothing has (a fast batch shows no such line)."""
    waiting = inflight.waiting() if inflight is not None else []
    if not waiting or waiting[0][1] < after:
        return None
    url, seconds = waiting[0]
    more = f" · {len(waiting)} in flight" if len(waiting) > 1 else ""
    return f"waiting on {short_url(url)} {int(seconds)} s{more}"


def _progress(show: bool, inflight: Any) -> Any:
    """The progress bar of a batch on stderr (transient: gone when the batch ends), with a line under it naming
    the URL waited on longest (clipper.inflight.InFlight), redrawn by rich's refresh thread while nothing
    completes. `show` False: a disabled Progress, which prints nothing at all."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.text import Text

    class _WaitingProgress(Progress):
        def get_renderables(self) -> Iterable[Any]:
            yield from super().get_renderables()
            line = waiting_line(inflight)
            if line:
                yield Text(line, style="dim", no_wrap=True, overflow="ellipsis")

    return _WaitingProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), console=err.real(), transient=True, disable=not show)


def render_add(results: Iterable[Any], *, total: int, as_json: bool, progress_bar: bool = True,
               inflight: Any = None) -> int:
    """Print each add result as it comes (a progress bar on a terminal for batches, naming the URL `inflight`
    says is waited on longest); return how many failed."""
    counts = {"added": 0, "exists": 0, "refetched": 0, "failed": 0}
    failures: list[str] = []
    show_bar = progress_bar and total > 1 and err.is_terminal and not as_json
    progress = _progress(show_bar, inflight)
    with progress:
        task = progress.add_task("adding", total=total)
        for r in results:
            counts[r.status] = counts.get(r.status, 0) + 1
            for w in r.warnings:
                warn(f"{r.target}: {w}")
            if r.status == "failed":
                failures.append(r.error or r.target)
                if as_json:
                    print_json({"target": r.target, "outcome": "failed", "error": plain(r.error)})
                else:
                    error(r.error or r.target)
            elif as_json and r.clip is not None:
                data = r.clip.to_json()  # its "status" is the link's health, never the add's outcome
                data["outcome"] = r.status
                print_json(data)
            elif r.clip is not None:
                label = {"exists": " (already clipped; tags merged)", "refetched": " (refetched)"}.get(r.status, "")
                out.print(clip_line(r.clip) + safe(label))
            progress.update(task, advance=1,
                            description=f"added {counts['added']} · skipped {counts['exists']} · "
                            f"failed {counts['failed']}")
    if total > 1 and not as_json:
        info(f"{counts['added']} added, {counts['exists']} already clipped, {counts['refetched']} refetched, "
             f"{counts['failed']} failed")
        if failures and len(failures) > 1:
            err.print("failures:")
            for f in failures:
                err.print(f"  {safe(f)}")
    return counts["failed"]


def render_check(results: Iterable[Any], *, total: int, quiet: bool, as_json: bool,
                 progress_bar: bool = True, inflight: Any = None) -> list[Any]:
    """Show a link-check run: a progress bar on a terminal (stderr), then what changed, then the counts.

    `--json`: one object per checked clip on stdout. `--quiet`: nothing at all unless some clip turned dead,
    moved or changed, and then only those (so cron mails only when there is news). The progress bar names the
    URL `inflight` (clipper.inflight.InFlight) says is waited on longest. Returns the results."""
    done: list[Any] = []
    counts: dict[str, int] = {}
    show_bar = progress_bar and total > 1 and err.is_terminal and not as_json and not quiet
    progress = _progress(show_bar, inflight)
    with progress:
        task = progress.add_task("checking", total=total)
        for r in results:
            done.append(r)
            counts[r.status] = counts.get(r.status, 0) + 1
            if as_json:
                print_json({k: plain(v) if isinstance(v, str) else v for k, v in r.to_json().items()})
            progress.update(task, advance=1, description=f"checking · dead {counts.get('dead', 0)}")
    news = [r for r in done if r.is_news]
    if quiet:
        if news and not as_json:
            _check_changes(news)
        return done
    if not as_json:
        changed = [r for r in done if r.status != r.previous_status and (r.previous_status or r.status != "alive")]
        if changed:
            _check_changes(changed)
        order = ("alive", "moved", "changed", "unreachable", "dead")
        tally = ", ".join(f"{counts[s]} {s}" for s in order if counts.get(s))
        info(f"checked {len(done)} clip(s){': ' + tally if tally else ''}; {len(changed)} changed status")
    return done


def _check_changes(results: list[Any]) -> None:
    """What changed in a check run: a table on a terminal, one plain line per clip (and its new address or
    archived copy) in a pipe or a cron mail."""
    def where(r: Any) -> str:
        if r.status == "moved" and r.moved_to:
            return f"moved to {r.moved_to}"
        if r.status == "dead":
            return f"archived: {r.archive_url}" if r.archive_url else "no archived copy known"
        return r.url

    if out.is_terminal:
        # Lines, not a rich Table: a table folds a long URL across lines, and a folded URL cannot be clicked or
        # copied. Each address is printed whole on its own line (the console never wraps: soft_wrap).
        id_w = max(len(str(r.id)) for r in results)
        for r in results:
            out.print(f"[bold]{r.id:>{id_w}}[/bold]  {safe(r.previous_status or '-')} -> "
                      f"[bold]{safe(r.status)}[/bold]  {safe(r.reason)}  {safe(r.title or '')}")
            for address in dict.fromkeys((r.url, where(r))):
                out.print(f"{' ' * id_w}  [dim]{safe(address)}[/dim]")
        return
    for r in results:
        sys.stdout.write(f"{r.id}  {r.previous_status or '-'} -> {r.status}  {plain(r.reason)}  "
                         f"{plain(r.title or '')}\n    {plain(r.url)}\n")
        if where(r) != r.url:
            sys.stdout.write(f"    {plain(where(r))}\n")
    sys.stdout.flush()


def render_extract(target: str, page: Any, article: Any, *, as_json: bool) -> None:
    data = {
        "source": target,
        "url": page.url,
        "final_url": page.final_url,
        "canonical_url": article.canonical_url,
        "title": article.title,
        "outlet": article.outlet,
        "site_name": article.site_name,
        "published": article.published,
        "published_source": article.published_source,
        "author": article.author,
        "body": article.body,
        "encoding": page.encoding,
        "summary": list(article.summary),
        "lang": article.lang,
        "warnings": list(page.warnings) + list(article.warnings),
    }
    if as_json:
        print_json(data)
        return
    for key in ("source", "title", "outlet", "site_name", "published", "published_source", "author",
                "canonical_url", "encoding"):
        if data[key]:
            out.print(f"[dim]{key:<16}[/dim] {safe(data[key])}")
    for w in page.warnings + article.warnings:
        warn(str(w))
    out.print()
    out.print(safe(article.body, keep_newlines=True))
    out.print()


def render_import(result: Any) -> None:
    """One line per post, then one per section: what was (or, with --dry-run, would be) created or linked."""
    if result.status == "unchanged":
        info(f"{result.source}: already imported; nothing changed")
        return
    verb = "would import" if result.status == "dry-run" else "imported"
    info(f"{result.source}: {verb} {len(result.sections)} section(s), {result.new_clips} new clip(s)")
    for w in result.post.warnings if result.post is not None else ():  # (each names the post and line)
        warn(w)
    for item in result.sections:
        s = item.section
        what = "new" if item.action == "new" else f"existing clip {item.clip_id}"
        ident = f"{item.clip_id}  " if item.clip_id and result.status != "dry-run" else ""
        out.print(f"  {ident}{safe(s.outlet_raw)}  {s.published or '日付不明'}  {safe(s.title)}  [dim]({what}, "
                  f"line {s.line})[/dim]")
        if getattr(item, "warning", None):
            warn(f"{result.source}:{s.line}: {item.warning}")


def print_by_post(clips: list[Clip], posts: dict[int, list[dict[str, Any]]], *, as_json: bool) -> None:
    """Clips grouped under the posts that quote them; clips no post quotes come last."""
    groups: dict[int, tuple[dict[str, Any] | None, list[Clip]]] = {}
    for clip in clips:
        quoted_in: list[dict[str, Any] | None] = list(posts.get(clip.id, [])) or [None]
        for post in quoted_in:
            key = post["id"] if post else -1
            groups.setdefault(key, (post, []))[1].append(clip)
    tty = sys.stdout.isatty()
    for key in sorted(groups, key=lambda k: (k < 0, k)):
        post, members = groups[key]
        if as_json:
            print_json({"post": post, "clips": [c.to_json() for c in members]})
            continue
        head = "(not in any imported post)"
        if post:
            head = post["source"] + (f"  {post['title']}" if post.get("title") else "")
        if tty:
            out.print(f"[bold]{safe(head)}[/bold]")
        else:
            sys.stdout.write(plain(head) + "\n")
        for clip in members:
            if tty:
                out.print("  " + clip_line(clip))
            else:
                sys.stdout.write("  " + clip_line(clip, markup=False) + "\n")
