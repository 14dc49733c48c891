"""Drafting a post from stored clips: which clips, in which order, rendered by clipper.post."""

from __future__ import annotations

from typing import Any

from clipper.errors import UsageError
from clipper.models import Clip
from clipper.outlets import load_registry
from clipper.post import render_post, select_paragraphs, verify_quote
from clipper.store import Store

ORDERS = ("given", "published", "added")


def select_clips(store: Store, ids: list[int], *, tag: str | None, since: str | None, until: str | None,
                 order: str) -> list[Clip]:
    """The clips named by IDs (in that order) and/or filters, ordered: given, published or added."""
    if not ids and not (tag or since or until):
        raise UsageError("say which clips to draft from: IDs, --tag, --since or --until (see clipper list)")
    if order not in ORDERS:
        raise UsageError(f"--order: unknown order {order!r}: use given, published or added")
    clips = store.get_clips(ids) if ids else store.list_clips(tag=tag, since=since, until=until, order="oldest")
    if ids and (tag or since or until):
        keep = {c.id for c in store.list_clips(tag=tag, since=since, until=until)}
        clips = [c for c in clips if c.id in keep]
    if order == "published":
        clips.sort(key=lambda c: (c.published is None, c.published or "", c.id))
    elif order == "added":
        clips.sort(key=lambda c: c.id)
    if not clips:
        raise UsageError("no clips match")
    return clips


def draft_post(store: Store, ids: list[int], *, tag: str | None, since: str | None, until: str | None, order: str,
               **render: Any) -> tuple[str, list[str]]:
    """The draft (and warnings naming clips with missing fields) for the selected clips."""
    clips = select_clips(store, ids, tag=tag, since=since, until=until, order=order)
    try:
        return render_post(clips, date_style_for=load_registry().date_style_for, **render)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def new_quote(paragraphs: list[str], spec: str | None, text: str | None, reset: bool) -> list[str | None] | None:
    """The quote `clipper edit` sets: paragraphs by number (--quote-paras), verbatim text (--quote), or None for
    the default quote (--quote-reset)."""
    if sum(x is not None and x is not False for x in (spec, text, reset or None)) > 1:
        raise UsageError("use one of --quote-paras, --quote and --quote-reset")
    if reset:
        return None
    try:
        return list(select_paragraphs(paragraphs, spec) if spec is not None else verify_quote(paragraphs, text or ""))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
