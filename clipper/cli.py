"""The command line: parse options, call one function, render, exit. No SQL, selectors or httpx here.

Exit codes: 0 done; 1 an error, or some targets of a batch failed (the others were done); 2 bad usage;
130 interrupted (what was finished is kept).
"""

from __future__ import annotations

import functools
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from clipper import __version__

if TYPE_CHECKING:
    from clipper.store import Store

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="clipper",
    help="Clip news articles (Japanese news first) into SQLite, browse and fix them, and draft quote posts.\n\n"
    "Example: clipper add https://www.sankei.com/article/20250121-QBJP5I25BBIG5IZ76XZNDHDB5Q/ --tag police",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

DbOption = Annotated[
    Path | None,
    typer.Option("--db", envvar="CLIPPER_DB", help="The clips database (default: $CLIPPER_DB, else a per-user "
                 "data directory such as ~/.local/share/clipper/clips.db).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON Lines (one object per line) for scripts.")]
SinceOption = Annotated[str | None, typer.Option("--since", help="Published on or after DATE (2016-08-01, "
                                                 "2016.8.1, 2016年8月1日...).")]
UntilOption = Annotated[str | None, typer.Option("--until", help="Published on or before DATE.")]
TagOption = Annotated[str | None, typer.Option("--tag", help="Only clips with this tag.")]
StatusOption = Annotated[str | None, typer.Option("--status", help="Only clips whose link is dead, moved, changed, "
                                                  "unreachable or alive.")]
OutletOption = Annotated[str | None, typer.Option("--outlet", help="Only clips from this outlet (short credit "
                                                  "or site name).")]


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


def open_store(db: Path | None, *, create: bool = False, readonly: bool = False) -> Store:
    """The database: only add and import create it; read-only commands open a database they cannot write."""
    from clipper.paths import default_db_path
    from clipper.store import open_db

    return open_db(db or default_db_path(), create=create, readonly=readonly)


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
) -> None:
    """Clip news articles into SQLite, re-check their links, and draft quote posts."""


@app.command()
@handle_errors
def add(
    targets: Annotated[list[str] | None, typer.Argument(help="URLs or saved .html files.", show_default=False)] = None,
    input_file: Annotated[str | None, typer.Option("--input", "-i", help="Read targets from FILE, one per line "
                                                   "(# comments ok), or a bookmarks export; - for stdin.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Where a saved page came from (default: its canonical "
                                            "URL).")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="Tag the clips (repeatable).")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note to keep with the clips.")] = None,
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
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Clip articles: fetch, extract title, outlet, date, author and text, and store them with the page.

    Example: clipper add https://mainichi.jp/articles/20250114/k00/00m/030/335000c --tag gaza
    Example: clipper add saved-page.html --url https://www.asahi.com/articles/AST1F4445T1FUTIL02SM.html
    """
    from clipper import ui
    from clipper.errors import UsageError
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
                      max_bytes=int(max_mb * 1024 * 1024), concurrency=concurrency, per_host=per_host)
    with open_store(db, create=True) as store:
        results = add_targets(store, all_targets, opts)
        if archive:
            from clipper.archive import SavePageNow, archive_added

            saver = SavePageNow()
            results = archive_added(store, results, saver)
        try:
            failed = ui.render_add(results, total=len(all_targets), as_json=as_json)
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

    Example: clipper list --outlet 産経 --since 2016-08-01 --limit 20
    Example: clipper list --status dead --by-post
    """
    from clipper import ui

    with open_store(db, readonly=True) as store:
        clips = store.list_clips(tag=tag, outlet=outlet, since=user_date(since, "--since"),
                                 until=user_date(until, "--until"), status=status, limit=limit)
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


@app.command()
@handle_errors
def search(
    query: Annotated[str, typer.Argument(help='Words to find, all of them; "a phrase"; -word excludes; a OR b.')],
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

    Example: clipper search マイナンバー 交付
    Example: clipper search '"震度5弱" -津波' --since 2025-01-01 --json
    """
    from clipper import ui
    from clipper.search import stale_clips

    with open_store(db, readonly=True) as store:
        hits = store.search_hits(query, limit=limit or None, tag=tag, outlet=outlet, status=status,
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
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check clips' links: alive, moved, dead, changed or unreachable; find archived copies of dead ones.

    Dead links are findings, not errors: the exit code is 0 when the run completed. A second check started
    while one runs exits at once.

    In a crontab: 17 4 * * * $HOME/.venv/bin/clipper check --quiet --db $HOME/clips.db

    Example: clipper check --all --json
    """
    from clipper import ui
    from clipper.check import CheckOptions, run_check, select_clips
    from clipper.errors import UsageError
    from clipper.runlock import run_lock

    if check_all and due:
        raise UsageError("--all and --due: choose one")
    opts = CheckOptions(concurrency=concurrency, per_host=per_host, timeout=timeout)
    with open_store(db) as store, run_lock(store.path):
        ids = select_clips(store, ids=clip_ids or (), check_all=check_all, due_only=due)
        ui.render_check(run_check(store, ids, opts), total=len(ids), quiet=quiet, as_json=as_json)


@app.command()
@handle_errors
def export(
    clip_ids: Annotated[list[int] | None, typer.Argument(metavar="[ID...]", help="Clips to draft from.",
                                                         show_default=False)] = None,
    post: Annotated[bool, typer.Option("--post", help="Draft a blog post quoting the clips.")] = False,
    archive: Annotated[bool, typer.Option("--json", help="Write the whole archive as JSON Lines (for backups "
                                          "and moving house; restore with `clipper import --json`).")] = False,
    pages: Annotated[bool, typer.Option("--pages", help="With --json: include the stored pages.")] = False,
    tag: TagOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    order: Annotated[str, typer.Option("--order", help="given (the IDs' order), published or added.")] = "given",
    fmt: Annotated[str, typer.Option("--format", help="text, html, markdown or json.")] = "text",
    indent: Annotated[str, typer.Option("--indent", help="Paragraph indents: keep, none, space or fullwidth.")
                      ] = "keep",
    max_chars: Annotated[int, typer.Option("--max-chars", help="Length of a default quote.")] = 400,
    date_style: Annotated[str | None, typer.Option("--date-style", help="Override the outlets' date styles: "
                                                   "dot, dot0, slash, slash0, kanji, iso.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to FILE (atomically) instead of "
                                             "stdout.")] = None,
    db: DbOption = None,
) -> None:
    """Draft a post from clips (--post), or write the whole archive (--json).

    Example: clipper export --post 12 15 16 --order published > draft.txt
    Example: clipper export --json --pages --out archive.jsonl
    """
    import io

    from clipper import ui
    from clipper.errors import UsageError
    from clipper.files import write_atomic

    if post == archive:
        raise UsageError("say what to export: --post (a draft from clips) or --json (the whole archive)")
    with open_store(db, readonly=True) as store:
        if archive:
            buf = io.StringIO()
            from clipper.backup import export_archive

            count = export_archive(store, buf, pages=pages)
            text, warnings = buf.getvalue(), list[str]()
            ui.info(f"{count} clip(s) exported")
        else:
            from clipper.drafting import draft_post

            text, warnings = draft_post(store, clip_ids or [], tag=tag, since=user_date(since, "--since"),
                                    until=user_date(until, "--until"), order=order, fmt=fmt, indent=indent,
                                    max_chars=max_chars, date_style=date_style)
            from clipper.textclean import strip_unsafe

            text = strip_unsafe(text)  # only what a post may hold, even from clips stored before extraction cleaned
    for w in warnings:
        ui.warn(w)
    if out:
        write_atomic(out, text)
    else:
        sys.stdout.write(text)


@app.command()
@handle_errors
def cite(
    clip_id: Annotated[int, typer.Argument(metavar="ID", help="The clip's id.")],
    db: DbOption = None,
) -> None:
    """Print an inline citation for a clip, as writers put in their own text: (共同 8.25).

    Example: clipper cite 12
    """
    from clipper import ui
    from clipper.outlets import load_registry
    from clipper.post import cite as make_citation

    with open_store(db, readonly=True) as store:
        typer.echo(ui.plain(make_citation(store.get_clip(clip_id), load_registry().date_style_for)))


@app.command("import")
@handle_errors
def import_(
    posts: Annotated[list[str], typer.Argument(metavar="POST...", help="Posts already written (text or the "
                                               "blog page's HTML), or with --json archives from `export --json`.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be created; change nothing.")
                       ] = False,
    fetch: Annotated[bool, typer.Option("--fetch", help="Then fetch the clips that have URLs (keeping the "
                                        "imported quotes).")] = False,
    archive: Annotated[bool, typer.Option("--json", help="The inputs are archives written by `clipper export "
                                          "--json`; restore them into an empty database.")] = False,
    db: DbOption = None,
) -> None:
    """Back-fill clips from posts already written (each ● section becomes a clip), or restore an archive.

    Example: clipper import old-posts/2016-08-26.txt --dry-run
    Example: clipper import --json archive.jsonl --db restored.db
    """
    from clipper import ui

    with open_store(db, create=True) as store:
        if archive:
            from clipper.backup import import_archive

            for name in posts:
                ui.info(f"{import_archive(store, _read_input(name).splitlines(), source=name)} clip(s) restored"
                        f" from {name}")
            return
        from clipper.backfill import import_post

        urls: list[str] = []
        for name in posts:
            result = import_post(store, name, dry_run=dry_run)
            ui.render_import(result)
            urls += [s.section.url for s in result.sections if s.section.url]
        if fetch and urls and not dry_run:
            from clipper.pipeline import AddOptions, add_targets

            failed = ui.render_add(add_targets(store, urls, AddOptions(refetch=True)), total=len(urls),
                                   as_json=False)
            if failed:
                raise typer.Exit(1)


@app.command()
@handle_errors
def backup(
    dest: Annotated[Path, typer.Argument(metavar="FILE", help="The new backup file (never overwritten).")],
    db: DbOption = None,
) -> None:
    """Make a consistent copy of the database, safe while other commands run.

    Example: clipper backup ~/backups/clips-$(date +%F).db
    """
    from clipper import ui
    from clipper.backup import backup_db

    with open_store(db, readonly=True) as store:
        ui.info(f"backed up {store.count()} clip(s) to {backup_db(store, dest)}")


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
