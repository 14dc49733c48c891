"""The command line: parse options, call one function, render, exit. No SQL, selectors or httpx here.

Exit codes: 0 done; 1 an error, or some targets of a batch failed (the others were done); 2 bad usage;
130 interrupted (what was finished is kept).
"""

from __future__ import annotations

import enum
import functools
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperCommand

from clipper import __version__

if TYPE_CHECKING:
    from clipper.store import Store

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="clipper",
    help="Clip news articles (Japanese news first) into SQLite, browse and fix them, and draft quote posts.\n\n"
    "Example: clipper add https://www.sankei.com/article/20250121-QBJP5I25BBIG5IZ76XZNDHDB5Q/ --tag police",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="The clips database (default: $CLIPPER_DB, else a per-user "
                 "data directory such as ~/.local/share/clipper/clips.db).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON Lines (one object per line) for scripts.")]
NoProgressOption = Annotated[bool, typer.Option("--no-progress", help="No progress bar (there is none in a pipe "
                                                "or with --json anyway).")]
SinceOption = Annotated[str | None, typer.Option("--since", help="Published on or after DATE (2016-08-01, "
                                                 "2016.8.1, 2016年8月1日, today/今日, yesterday/昨日...).")]
UntilOption = Annotated[str | None, typer.Option("--until", help="Published on or before DATE.")]
TagOption = Annotated[str | None, typer.Option("--tag", help="Only clips with this tag.")]


class Status(enum.StrEnum):
    alive = "alive"
    moved = "moved"
    dead = "dead"
    changed = "changed"
    unreachable = "unreachable"


class Order(enum.StrEnum):
    given = "given"
    published = "published"
    added = "added"


class Format(enum.StrEnum):
    text = "text"
    html = "html"
    markdown = "markdown"
    json = "json"


class Indent(enum.StrEnum):
    keep = "keep"
    none = "none"
    space = "space"
    fullwidth = "fullwidth"


class DateStyle(enum.StrEnum):
    dot = "dot"
    dot0 = "dot0"
    slash = "slash"
    slash0 = "slash0"
    kanji = "kanji"
    iso = "iso"
    md = "md"


def _value(choice: enum.StrEnum | None) -> str | None:
    return None if choice is None else choice.value


StatusOption = Annotated[Status | None, typer.Option("--status", help="Only clips whose link is in this state.")]
OutletOption = Annotated[str | None, typer.Option("--outlet", help="Only clips from this outlet: its short "
                                                  "credit, site name or any alias in the registry (産経新聞 = "
                                                  "産経).")]


def handle_errors(func: F) -> F:
    """Turn clipper's errors into one line on stderr and a non-zero exit, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from clipper import ui
        from clipper.errors import ClipperError

        try:
            return func(*args, **kwargs)
        except ClipperError as exc:
            ui.error(str(exc))
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            ui.error("interrupted; everything finished before the interruption is kept")
            raise typer.Exit(130) from None
        except BrokenPipeError:
            raise typer.Exit(0) from None
        except sqlite3.OperationalError as exc:  # locked past the busy timeout and retries, disk full...
            ui.error(f"database: {exc}; the unfinished step was rolled back, everything before it is kept")
            raise typer.Exit(1) from None
        except OverflowError:  # an id or --limit past SQLite's 64-bit integers
            ui.error("a number is out of range (at most 9223372036854775807)")
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


class WordsCommand(TyperCommand):
    """A command whose arguments are free words: `-word` (a search's exclusion) is a word, not an unknown option.

    Known options (and their values) are parsed as usual wherever they stand; every other argument is a word."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        takes_value: dict[str, bool] = dict.fromkeys(ctx.help_option_names, False)
        for param in self.params:
            if param.param_type_name == "option":
                for name in (*param.opts, *param.secondary_opts):
                    takes_value[name] = not getattr(param, "is_flag", False) and not getattr(param, "count", False)
        options: list[str] = []
        words: list[str] = []
        rest = iter(args)
        for arg in rest:
            if arg == "--":
                words += rest
                break
            name = arg.split("=", 1)[0] if arg.startswith("--") else arg
            if name in takes_value:
                options.append(arg)
                if takes_value[name] and "=" not in arg:
                    value = next(rest, None)
                    if value is not None:
                        options.append(value)
            else:
                words.append(arg)
        return super().parse_args(ctx, [*options, "--", *words] if words else options)


_GLOBAL: dict[str, Any] = {}


def global_db() -> Path | None:
    """The --db given before the command (`clipper --db x.db list`), if any."""
    return _GLOBAL.get("db")


def db_path(db: Path | None) -> Path:
    from clipper.paths import default_db_path

    return (db or global_db() or default_db_path()).expanduser()


def open_store(db: Path | None, *, create: bool = False, readonly: bool = False) -> Store:
    """The database: only add and import create it; read-only commands open a database they cannot write."""
    from clipper.store import open_db

    return open_db(db_path(db), create=create, readonly=readonly)


def user_date(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    from clipper.errors import UsageError
    from clipper.extract.dates import normalize_user_date

    try:
        return normalize_user_date(value)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"clipper {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
    db: DbOption = None,
) -> None:
    """Clip news articles into SQLite, re-check their links, and draft quote posts."""
    _GLOBAL.clear()
    _GLOBAL["db"] = db


@app.command()
@handle_errors
def add(
    targets: Annotated[list[str] | None, typer.Argument(help="URLs or saved .html files.", show_default=False)] = None,
    input_file: Annotated[str | None, typer.Option("--input", "-i", help="Read targets from FILE, one per line "
                                                   "(# comments ok), or a bookmarks export; - for stdin.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Where a saved page came from (default: its canonical "
                                            "URL).")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="Tag the clips (repeatable).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note to keep with the clips (set on "
                                            "a clip that exists too, saying if it replaced one).")] = None,
    title: Annotated[str | None, typer.Option("--title", help="Store a link-only clip with this title when the "
                                              "target is not an HTML page (a PDF...).")] = None,
    refetch: Annotated[bool, typer.Option("--refetch", help="Fetch and extract clips that exist again.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds allowed per page, in all.")] = 30.0,
    max_mb: Annotated[float, typer.Option("--max-mb", help="Largest page accepted, in MB (decompressed).")] = 10.0,
    concurrency: Annotated[int, typer.Option("--concurrency", help="Pages fetched at once.")] = 8,
    per_host: Annotated[int, typer.Option("--per-host", help="Pages fetched at once from one host.")] = 2,
    archive: Annotated[bool, typer.Option("--archive", help="Also ask the Wayback Machine (Save Page Now) to "
                                          "capture each new clip's page; at most one request every 5 s, and a "
                                          "failure is only a warning.")] = False,
    from_archive: Annotated[bool, typer.Option("--from-archive", help="Clip the Wayback Machine's copy instead of "
                                               "the live page (also refreshes a clip that exists).")] = False,
    at: Annotated[str | None, typer.Option("--at", help="The archived copy closest to DATE (default: the clip's "
                                           "published date, else now).")] = None,
    live_only: Annotated[bool, typer.Option("--live-only", help="Do not look for an archived copy when a link is "
                                            "dead (404/410, no such host, a redirect to the top page, a "
                                            "soft 404).")] = False,
    no_progress: NoProgressOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Clip articles: fetch, extract title, outlet, date, author and text, and store them with the page.

    A dead link is clipped from its Wayback Machine copy (closest to the clip's date), and says so.

    \b
    Example: clipper add https://mainichi.jp/articles/20250114/k00/00m/030/335000c --tag gaza
    Example: clipper add saved-page.html --url https://www.asahi.com/articles/AST1F4445T1FUTIL02SM.html
    Example: clipper add http://news.livedoor.com/article/detail/11772532/ --from-archive --at 2016-07-18
    """
    from clipper import ui
    from clipper.errors import UsageError
    from clipper.inflight import InFlight
    from clipper.pipeline import AddOptions, add_targets, read_target_list
    from clipper.urls import check_url

    all_targets = list(targets or [])
    if input_file:
        all_targets += read_target_list(_read_input(input_file))
    if not all_targets:
        raise UsageError("nothing to add: give URLs or saved pages, or --input FILE")
    if url:
        url = check_url(url)
        if len(all_targets) != 1:
            raise UsageError("--url goes with exactly one saved page")
    if not (0 < max_mb < 1e6) or not (0 < timeout < 1e6):  # also refuses nan and inf
        raise UsageError("--max-mb and --timeout take a positive number below 1,000,000")
    opts = AddOptions(tags=tuple(tag or ()), note=note, url=url, title=title, refetch=refetch, timeout=timeout,
                      max_bytes=int(max_mb * 1024 * 1024), concurrency=concurrency, per_host=per_host,
                      from_archive=from_archive, archive_at=user_date(at, "--at"), archive_lookup=not live_only)
    if from_archive and live_only:
        raise UsageError("--from-archive and --live-only: choose one")
    inflight = InFlight()  # what the progress bar names as being waited on
    with open_store(db, create=True) as store:
        results = add_targets(store, all_targets, opts, watch=inflight)
        if archive:
            from clipper.archive import SavePageNow, archive_added

            saver = SavePageNow()
            results = archive_added(store, results, saver, watch=inflight)
        try:
            failed = ui.render_add(results, total=len(all_targets), as_json=as_json, progress_bar=not no_progress,
                                   inflight=inflight)
        finally:
            if archive:
                saver.close()
    if failed:
        raise typer.Exit(1)


def _read_input(name: str) -> str:
    from clipper.errors import UsageError

    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).expanduser().read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror}") from None


@app.command()
@handle_errors
def extract(
    targets: Annotated[list[str], typer.Argument(help="URLs or saved .html files.", show_default=False)],
    url: Annotated[str | None, typer.Option("--url", help="Where a saved page came from.")] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds allowed per page.")] = 30.0,
    as_json: JsonOption = False,
) -> None:
    """Show what clipper extracts from pages, without storing anything.

    \b
    Example: clipper extract saved-page.html --json
    """
    from clipper import ui
    from clipper.pipeline import extract_targets
    from clipper.urls import check_url

    failed = 0
    for target, page, article, error in extract_targets(targets, url=check_url(url) if url else None,
                                                        timeout=timeout):
        if error or page is None or article is None:
            failed += 1
            ui.error(error or f"{target}: failed")
            continue
        ui.render_extract(target, page, article, as_json=as_json)
    if failed:
        raise typer.Exit(1)


@app.command("list")
@handle_errors
def list_(
    tag: TagOption = None,
    outlet: OutletOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    status: StatusOption = None,
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="At most N clips.")] = None,
    by_post: Annotated[bool, typer.Option("--by-post", help="Group the clips by the imported posts that quote "
                                          "them (e.g. which posts contain a dead link).")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List clips, newest first.

    \b
    Example: clipper list --outlet 産経 --since 2016-08-01 --limit 20
    Example: clipper list --status dead --by-post
    """
    from clipper import ui

    with open_store(db, readonly=True) as store:
        clips = store.list_clips(tag=tag, outlet=outlet, since=user_date(since, "--since"),
                                 until=user_date(until, "--until"), status=_value(status), limit=limit)
        if by_post:
            ui.print_by_post(clips, store.posts_of([c.id for c in clips]), as_json=as_json)
        else:
            ui.print_clips(clips, as_json=as_json)


@app.command()
@handle_errors
def show(
    clip_id: Annotated[int, typer.Argument(metavar="ID", help="The clip's id.")],
    html: Annotated[bool, typer.Option("--html", help="Write the stored page (raw bytes) to stdout.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one clip: its fields, link history and text.

    \b
    Example: clipper show 12
    """
    from clipper import ui
    from clipper.errors import UsageError

    with open_store(db, readonly=True) as store:
        clip = store.get_clip(clip_id)
        if html:
            raw = store.page_bytes(clip_id)
            if raw is None:
                raise UsageError(f"clip {clip_id} has no stored page")
            sys.stdout.buffer.write(raw)
            return
        if as_json:
            data = clip.to_json()
            data["fetches"] = store.fetches(clip_id)
            data["checks"] = store.checks(clip_id)
            ui.print_json(data)
        else:
            ui.show_clip(clip, store.fetches(clip_id), store.checks(clip_id))


@app.command(cls=WordsCommand)
@handle_errors
def search(
    words: Annotated[list[str], typer.Argument(metavar="WORD...", help='Words to find, all of them; "a phrase"; '
                                               '-word excludes; a OR b.')],
    tag: TagOption = None,
    outlet: OutletOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    status: StatusOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most N results (0: all).")] = 50,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Search clips' titles, text, quotes, outlets, authors, tags and notes, best match first.

    Japanese words of any length match, full- and half-width forms alike (ＡＩ = AI, ｶﾀｶﾅ = カタカナ).

    \b
    Example: clipper search マイナンバー 交付
    Example: clipper search '"震度5弱"' -津波 --since 2025-01-01 --json
    Example: clipper search 津波 OR 高潮 気象庁
    """
    from clipper import ui
    from clipper.search import stale_clips

    query = " ".join(words)

    with open_store(db, readonly=True) as store:
        hits = store.search_hits(query, limit=limit or None, tag=tag, outlet=outlet, status=_value(status),
                                 since=user_date(since, "--since"), until=user_date(until, "--until"))
        if not ui.print_hits(hits, as_json=as_json) and not as_json:
            ui.info("no clips match")
        if stale := stale_clips(store.conn):
            ui.warn(f"{stale} clip(s) were changed outside clipper and are searched by their old text; run "
                    "`clipper reindex`")


@app.command()
@handle_errors
def reindex(db: DbOption = None) -> None:
    """Rebuild the search index from the clips (after the database was edited with another tool).

    \b
    Example: clipper reindex
    """
    from clipper import ui
    from clipper.search import reindex as rebuild

    with open_store(db) as store:
        ui.info(f"indexed {rebuild(store.conn)} clip(s)")


@app.command()
@handle_errors
def edit(
    clip_id: Annotated[int, typer.Argument(metavar="ID", help="The clip's id.")],
    title: Annotated[str | None, typer.Option("--title", help="Set the title.")] = None,
    outlet: Annotated[str | None, typer.Option("--outlet", help="Set the outlet's credit.")] = None,
    date: Annotated[str | None, typer.Option("--date", help="Set the published date.")] = None,
    author: Annotated[str | None, typer.Option("--author", help="Set the author ('' clears it).")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Add a tag (repeatable).")] = None,
    untag: Annotated[list[str] | None, typer.Option("--untag", help="Remove a tag (repeatable).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="Set the note ('' clears it).")] = None,
    quote_paras: Annotated[str | None, typer.Option("--quote-paras", help="Quote these paragraphs in drafts: "
                                                    "1-3,5 (a gap gets a 略 line).")] = None,
    quote: Annotated[str | None, typer.Option("--quote", help="Set the quote (every paragraph must be verbatim "
                                              "article text; a ・・・(略)・・・ line marks a cut).")] = None,
    quote_reset: Annotated[bool, typer.Option("--quote-reset", help="Back to the default quote.")] = False,
    summary: Annotated[str | None, typer.Option("--summary", help="Summary points for the ★《》 line: "
                                                "\"a/b/c\".")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fix a clip's fields, tags, quote and summary.

    \b
    Example: clipper edit 12 --outlet 共同 --date 2016/8/25 --tag マイナンバー
    """
    from clipper import ui

    fields: dict[str, Any] = {}
    for key, value in (("title", title), ("outlet", outlet), ("author", author), ("note", note)):
        if value is not None:
            fields[key] = value or None
    if date is not None:
        fields["published"] = user_date(date, "--date")
        fields["published_source"] = "user"
    if summary is not None:
        from clipper.importer import split_points

        fields["summary"] = list(split_points(summary))
    with open_store(db) as store:
        if quote_paras is not None or quote is not None or quote_reset:
            from clipper.drafting import new_quote

            fields["quote"] = new_quote(store.get_clip(clip_id).paragraphs, quote_paras, quote, quote_reset)
        clip = store.update_clip(clip_id, fields=fields, add_tags=tag or (), remove_tags=untag or ())
        ui.print_clips([clip], as_json=as_json)


@app.command()
@handle_errors
def rm(
    clip_ids: Annotated[list[int], typer.Argument(metavar="ID...", help="The clips to delete.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    db: DbOption = None,
) -> None:
    """Delete clips (asks first).

    \b
    Example: clipper rm 12 13 --yes
    """
    from clipper import ui
    from clipper.errors import UsageError

    with open_store(db) as store:
        clips = store.get_clips(clip_ids)
        if not yes:
            if not sys.stdin.isatty():
                raise UsageError("refusing to delete without a terminal to ask on; add --yes")
            for clip in clips:
                ui.out.print(ui.clip_line(clip))
            if not typer.confirm(f"Delete {len(clips)} clip(s)?", default=False):
                raise typer.Exit(1)
        for clip in clips:
            store.delete_clip(clip.id)
        ui.info(f"deleted {len(clips)} clip(s)")


@app.command()
@handle_errors
def check(
    clip_ids: Annotated[list[int] | None, typer.Argument(metavar="[ID...]", help="Check these clips (default: "
                                                         "the clips that are due).", show_default=False)] = None,
    check_all: Annotated[bool, typer.Option("--all", help="Check every clip that has a link, due or not.")] = False,
    due: Annotated[bool, typer.Option("--due", help="Only clips that are due: never checked, or not for a day "
                                      "(first week), a week (first month), a month (after). The default; with "
                                      "IDs, those of them that are due.")] = False,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="Requests at once.")] = 16,
    per_host: Annotated[int, typer.Option("--per-host", min=1, help="Requests at once to one host.")] = 2,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds allowed per request.")] = 20.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing unless a clip turned dead, moved or "
                                        "changed (for cron, which mails only when there is output).")] = False,
    fail_on_dead: Annotated[bool, typer.Option("--fail-on-dead", help="Exit 1 when a clip checked in this run is "
                                               "dead (for scripts; by default dead links are findings, exit "
                                               "0).")] = False,
    no_progress: NoProgressOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check clips' links: alive, moved, dead, changed or unreachable; find archived copies of dead ones.

    Dead links are findings, not errors: the exit code is 0 when the run completed (1 with --fail-on-dead when
    a checked clip is dead). A second check started while one runs exits at once.

    In a crontab: 17 4 * * * $HOME/.venv/bin/clipper check --quiet --db $HOME/clips.db

    \b
    Example: clipper check --all --json
    """
    from clipper import ui
    from clipper.check import CheckOptions, run_check, select_clips
    from clipper.errors import UsageError
    from clipper.inflight import InFlight
    from clipper.runlock import run_lock

    if check_all and due:
        raise UsageError("--all and --due: choose one")
    opts = CheckOptions(concurrency=concurrency, per_host=per_host, timeout=timeout)
    with open_store(db) as store, run_lock(store.path):
        ids = select_clips(store, ids=clip_ids or (), check_all=check_all, due_only=due)
        inflight = InFlight()  # what the progress bar names as being waited on
        done = ui.render_check(run_check(store, ids, opts, watch=inflight), total=len(ids), quiet=quiet,
                               as_json=as_json, progress_bar=not no_progress, inflight=inflight)
    if fail_on_dead and any(r.status == "dead" for r in done):
        raise typer.Exit(1)


@app.command()
@handle_errors
def export(
    clip_ids: Annotated[list[int] | None, typer.Argument(metavar="[ID...]", help="Clips to draft from.",
                                                         show_default=False)] = None,
    post: Annotated[bool, typer.Option("--post", help="Draft a blog post quoting the clips.")] = False,
    archive: Annotated[bool, typer.Option("--json", hidden=True, help="The old spelling of `clipper dump`.")
                       ] = False,
    pages: Annotated[bool, typer.Option("--pages", hidden=True, help="With --json: include the stored pages.")
                     ] = False,
    warc: Annotated[Path | None, typer.Option("--warc", help="Write the selected clips' stored pages (all clips "
                                              "without IDs, --tag, --since, --until) as a WARC file, gzipped when "
                                              "it ends in .gz, for pywb or ReplayWeb.page.")] = None,
    tag: TagOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    order: Annotated[Order, typer.Option("--order", help="given (the IDs' order), published or added.")
                     ] = Order.given,
    fmt: Annotated[Format, typer.Option("--format", help="The draft's format. json is one object (intro lines, "
                                        "sections, warnings), not JSON Lines: a draft is one document whose intro "
                                        "and order belong together; clips as JSON Lines: clipper list --json.")
                   ] = Format.text,
    indent: Annotated[Indent, typer.Option("--indent", help="Paragraph indents: keep, none, one space or one "
                                           "fullwidth space.")] = Indent.keep,
    max_chars: Annotated[int, typer.Option("--max-chars", help="Length of a default quote.")] = 400,
    date_style: Annotated[DateStyle | None, typer.Option("--date-style", help="Override the outlets' date "
                                                         "styles: dot 2016.8.1, dot0 2016.07.27, slash 2016/8/25, "
                                                         "slash0 2016/08/25, kanji 2016年7月18日, iso 2016-08-01, "
                                                         "md 8.25.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to FILE (atomically) instead of "
                                             "stdout.")] = None,
    db: DbOption = None,
) -> None:
    """Draft a blog post quoting clips (--post), or write their stored pages as WARC (--warc). The whole archive
    is `clipper dump`.

    \b
    Example: clipper export --post 12 15 16 --order published > draft.txt
    Example: clipper export --post --tag マイナンバー --format markdown --out draft.md
    Example: clipper export --warc clips.warc.gz --tag マイナンバー
    """
    from clipper import ui
    from clipper.errors import UsageError

    if warc is not None:
        if post or archive:
            raise UsageError("--warc goes alone: not with --post or --json")
        from clipper.warc import write_warc

        with open_store(db, readonly=True) as store:
            chosen = store.list_clips(ids=clip_ids or None, tag=tag, since=user_date(since, "--since"),
                                      until=user_date(until, "--until"), order="oldest")
            if clip_ids:
                store.get_clips(clip_ids)  # an unknown id is an error, not an empty export
            clips, count = write_warc(store, [c.id for c in chosen], warc)
        ui.info(f"{clips} clip(s), {count} page(s) written to {warc}")
        return
    if archive and not post:
        _dump(pages, out, db)
        return
    if not post or archive:
        raise UsageError("say what to export: --post (a draft from clips); the whole archive is `clipper dump`")
    from clipper.drafting import draft_post

    with open_store(db, readonly=True) as store:
        text, warnings = draft_post(store, clip_ids or [], tag=tag, since=user_date(since, "--since"),
                                    until=user_date(until, "--until"), order=order.value, fmt=fmt.value,
                                    indent=indent.value, max_chars=max_chars, date_style=_value(date_style))
    from clipper.textclean import strip_unsafe

    text = strip_unsafe(text)  # only what a post may hold, even from clips stored before extraction cleaned
    for w in warnings:
        ui.warn(w)
    if out and fmt is Format.html:
        text = '<meta charset="utf-8">\n' + text  # a file opened in a browser is read as UTF-8, not guessed
    _write_out(text, out)


@app.command()
@handle_errors
def cite(
    clip_ids: Annotated[list[int], typer.Argument(metavar="ID...", help="The clips' ids.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print an inline citation per clip, as writers put in their own text: (共同 8.25).

    The date is the day in Japan time, as in `clipper list` and the drafts. A clip with no date is cited by its
    outlet alone, with a warning.

    \b
    Example: clipper cite 12
    Example: clipper cite 12 15 --json
    """
    from clipper import ui
    from clipper.outlets import load_registry
    from clipper.post import cite as make_citation

    styles = load_registry().date_style_for
    with open_store(db, readonly=True) as store:
        for clip in store.get_clips(clip_ids):
            citation = make_citation(clip, styles)
            if not clip.published:
                ui.warn(f"clip {clip.id} has no date; set one with `clipper edit {clip.id} --date ...`")
            if as_json:
                ui.print_json({"id": clip.id, "citation": ui.plain(citation), "outlet": clip.outlet,
                               "published": clip.published, "day": ui.japan_day(clip.published)})
            else:
                typer.echo(ui.plain(citation))


@app.command("import")
@handle_errors
def import_(
    posts: Annotated[list[str], typer.Argument(metavar="POST...", help="Posts already written (text or the "
                                               "blog page's HTML).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be created; change nothing.")
                       ] = False,
    fetch: Annotated[bool, typer.Option("--fetch", help="Then fetch the clips that have URLs (keeping the "
                                        "imported quotes).")] = False,
    archive: Annotated[bool, typer.Option("--json", hidden=True, help="The inputs are archives written by "
                                          "`clipper dump`; restore them into an empty database (see `clipper "
                                          "restore`).")] = False,
    max_mb: Annotated[float, typer.Option("--max-mb", help="Largest post file accepted, in MB.")] = 20.0,
    db: DbOption = None,
) -> None:
    """Back-fill clips from posts already written: each ● section becomes a clip (archives: `clipper restore`).

    \b
    Example: clipper import old-posts/2016-08-26.txt --dry-run
    Example: clipper import old-posts/*.html --fetch
    """
    from clipper import ui
    from clipper.errors import UsageError
    from clipper.files import check_input

    if not (0 < max_mb < 1e6):  # also refuses nan and inf
        raise UsageError("--max-mb takes a positive number below 1,000,000")
    max_bytes = int(max_mb * 1024 * 1024)
    if not archive:
        for name in posts:  # every post is checked before any is imported
            check_input(name, what="a post", max_bytes=max_bytes)
    with open_store(db, create=True) as store:
        if archive:
            from clipper.backup import restore_archive

            for name in posts:
                ui.info(f"{restore_archive(store, name)} clip(s) restored from {name}")
            return
        from clipper.backfill import import_post

        urls: list[str] = []
        dates: dict[str, str] = {}  # a dead link's archived copy is the one closest to the post's date
        for name in posts:
            result = import_post(store, name, dry_run=dry_run, max_bytes=max_bytes)
            ui.render_import(result)
            for s in result.sections:
                if s.section.url:
                    urls.append(s.section.url)
                    when = (result.post.date if result.post else None) or s.section.published
                    if when:
                        dates[s.section.url] = when
        if fetch and urls and not dry_run:
            from clipper.pipeline import AddOptions, add_targets

            failed = ui.render_add(add_targets(store, urls, AddOptions(refetch=True, archive_dates=dates)),
                                   total=len(urls), as_json=False)
            if failed:
                raise typer.Exit(1)


@app.command()
@handle_errors
def info(
    path_only: Annotated[bool, typer.Option("--path", help="Print only the database's path (for other tools: "
                                            "datasette \"$(clipper info --path)\").")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show where the data lives: the database, the outlet registries in force, counts and the index's health.

    \b
    Example: clipper info
    Example: clipper --db ~/clips.db info --json
    Example: datasette "$(clipper info --path)"
    """
    from clipper import ui
    from clipper.info import describe

    if path_only:
        typer.echo(str(db_path(db).resolve()))
        return
    with open_store(db, readonly=True) as store:
        ui.render_info(describe(store), as_json=as_json)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
@handle_errors
def datasette(
    ctx: typer.Context,
    metadata_only: Annotated[bool, typer.Option("--metadata", help="Print the metadata (JSON) instead of starting "
                                                "Datasette, to use with `datasette DB -m FILE`.")] = False,
    db: DbOption = None,
) -> None:
    """Browse the database in Datasette (install it yourself: pip install datasette), with the search index's
    tables hidden, clips sorted by published date, and a canned "search" query through clipper's index.

    Other arguments go to Datasette.

    \b
    Example: clipper datasette
    Example: clipper datasette --port 8002 --open
    Example: clipper datasette --metadata > metadata.json
    """
    import json
    import os
    import shutil
    import tempfile

    from clipper.datasette import metadata
    from clipper.errors import UsageError

    path = db_path(db)
    data = json.dumps(metadata(path), ensure_ascii=False, indent=2)
    if metadata_only:
        typer.echo(data)
        return
    if not path.exists():
        raise UsageError(f"no database at {path}")
    exe = shutil.which("datasette")
    if exe is None:
        raise UsageError("Datasette is not installed: pip install datasette (or: clipper datasette --metadata)")
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="clipper-datasette-", delete=False,
                                     encoding="utf-8") as fh:
        fh.write(data)
    os.execv(exe, [exe, str(path), "-m", fh.name, *ctx.args])


@app.command()
@handle_errors
def backup(
    dest: Annotated[Path, typer.Argument(metavar="FILE|DIR/", help="The new backup file (never overwritten), or a "
                                         "folder to write a dated one into (clips-2025-01-21.db).")],
    db: DbOption = None,
) -> None:
    """Make a consistent copy of the database, safe while other commands run.

    \b
    Example: clipper backup ~/backups/clips-$(date +%F).db
    Example: clipper backup ~/backups/
    """
    from clipper import ui
    from clipper.backup import backup_db
    from clipper.restore import backup_target

    with open_store(db, readonly=True) as store:
        ui.info(f"backed up {store.count()} clip(s) to {backup_db(store, backup_target(dest, store.path))}")


@app.command()
@handle_errors
def restore(
    source: Annotated[Path, typer.Argument(metavar="BACKUP", help="A backup file from `clipper backup`, or an "
                                           "archive from `clipper dump`.")],
    db: DbOption = None,
) -> None:
    """Put a backup in place of the database: checked first, the current file (and its -wal) kept aside.

    The backup (an SQLite file, checked with integrity_check, or a JSON Lines archive) is built into a new file
    beside the database, which is then set aside as DB.before-restore-TIME and replaced in one rename. Run it
    when no other clipper command is using the database.

    \b
    Example: clipper restore ~/backups/clips-2025-01-21.db
    Example: clipper restore archive.jsonl --db ~/new/clips.db
    """
    from clipper import ui
    from clipper.restore import restore_db

    clips, aside = restore_db(source, db_path(db))
    if aside:
        ui.info(f"the previous database is kept as {aside}")
    ui.info(f"restored {clips} clip(s) from {source}")


@app.command()
@handle_errors
def dump(
    pages: Annotated[bool, typer.Option("--pages", help="Include the stored pages (larger; needed to "
                                        "re-extract or `show --html` after a restore).")] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to FILE (atomically) instead of "
                                             "stdout.")] = None,
    db: DbOption = None,
) -> None:
    """Write the whole archive as JSON Lines, every row of every table, for moving house (`clipper restore`).

    \b
    Example: clipper dump --pages --out archive.jsonl
    """
    _dump(pages, out, db)


def _dump(pages: bool, out: Path | None, db: Path | None) -> None:
    import io

    from clipper import ui
    from clipper.backup import export_archive

    buf = io.StringIO()
    with open_store(db, readonly=True) as store:
        count = export_archive(store, buf, pages=pages)
    _write_out(buf.getvalue(), out)
    ui.info(f"{count} clip(s) dumped")


def _write_out(text: str, out: Path | None) -> None:
    if out:
        from clipper.files import write_atomic

        write_atomic(out, text)
    else:
        sys.stdout.write(text)


def main() -> None:
    for arg in sys.argv[1:]:  # bytes that are not UTF-8 would fail only when stored, after pages were fetched
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
            sys.stderr.write(f"error: an argument is not valid UTF-8 text: {shown}\n")
            raise SystemExit(2) from None
    app(prog_name="clipper")


if __name__ == "__main__":  # pragma: no cover
    main()
