"""Main-text quality metric of the ScrapingHub article-extraction benchmark (shingle matching).

Texts are split into ``\\w+`` tokens (Unicode), turned into multisets of 4-token shingles (a text of fewer than 4
tokens is a single shingle; an empty text has none) and compared per page. Precision is averaged over the pages with
a non-empty prediction, recall over the pages with a non-empty truth, and F1 is the harmonic mean of those two
averages. Shared by ``bench/extract.py`` and the quality-floor test, so both measure the same thing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_TOKEN = re.compile(r"\w+")
NGRAM = 4


def shingles(text: str, n: int = NGRAM) -> Counter[tuple[str, ...]]:
    """The multiset of ``n``-token shingles of ``text``."""
    tokens = _TOKEN.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def page_counts(truth: str, pred: str) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of one page, counted in shingles."""
    t, p = shingles(truth), shingles(pred)
    tp = sum((t & p).values())
    return tp, sum(p.values()) - tp, sum(t.values()) - tp


def page_f1(truth: str, pred: str) -> float:
    """F1 of a single page (0.0 when either side is empty), handy for listing the worst pages."""
    tp, fp, fn = page_counts(truth, pred)
    if not tp:
        return 0.0
    p, r = tp / (tp + fp), tp / (tp + fn)
    return 2 * p * r / (p + r)


def score(pairs: Iterable[tuple[str, str]]) -> tuple[float, float, float]:
    """(precision, recall, F1) over ``(truth, prediction)`` pairs, as the benchmark averages them."""
    precisions: list[float] = []
    recalls: list[float] = []
    for truth, pred in pairs:
        tp, fp, fn = page_counts(truth, pred)
        if tp + fp:
            precisions.append(tp / (tp + fp))
        if tp + fn:
            recalls.append(tp / (tp + fn))
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
