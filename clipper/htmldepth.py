"""How deep a page nests its elements, measured before parsing, and the over-deep part flattened.

Lexbor (selectolax's parser) walks its stack of open elements for every tag it builds, so a page of 150,000 nested
``<div>`` takes minutes to parse: the cost grows with the square of the depth. Real pages nest a few dozen levels
(51 at most over 2,138 pages of the ScrapingHub, trafilatura and htmldate sets); browsers stop nesting at 512. So
:func:`shallow_html` runs first: a scan over the tags with a small model of the HTML tree builder (void elements,
raw text, comments, attribute quotes, ``/>`` only in SVG and MathML, the implied ends of ``<p>``, ``<li>``, table
cells..., end tags that close only what the parser would close), and past :data:`MAX_DEPTH` levels it drops the
deeper start tags and their end tags: their text stays, at the deepest level kept.

:func:`parse_html` is the one door every module parses a page through. A page with at most :data:`SCAN_ABOVE`
start tags, or 8,192 ``<`` (every page of the ScrapingHub and Japanese sets), is not scanned at all: one or two
``str.count`` calls decide it (42 µs a ScrapingHub page, 1% of extraction; Lexbor builds 4,096 nested elements in
60 ms, 8,192 in ~0.25 s); a larger page is scanned in about 2 µs a tag, and past :data:`MAX_DEPTH` levels
Lexbor's cost is bounded by tags x 512.

The model errs towards counting too deep (a harmless over-estimate on real pages, which are far from the cap);
where it cannot follow the parser exactly (the adoption agency, foster parenting) it never counts much shallower
than the parser builds, so a hostile page cannot hide its depth from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

__all__ = ["MAX_DEPTH", "Shallow", "parse_html", "shallow_html"]

MAX_DEPTH = 512  # what browsers build (Chromium, WebKit); ten times the deepest real page seen
SCAN_ABOVE = 4096  # a page with at most this many start tags (or twice as many "<") is parsed as it is

_TAG = re.compile(
    r"<(?:(/?)([A-Za-z][^\s/>]*)((?:[^>\"'=]+|=\s*(?:\"[^\"]*(?:\"|\Z)|'[^']*(?:'|\Z))?|[\"'])*)(?:>|\Z)"
    r"|!--(?:-?>|.*?(?:--!?>|\Z))|[!?/][^>]*(?:>|\Z))",
    re.S,
)
_VOID = frozenset("area base basefont bgsound br col embed frame hr image img input keygen link meta param source "
                  "track wbr".split())
_RAW = frozenset("script style textarea title xmp iframe noembed noframes".split())
_SPECIAL = frozenset(
    "address applet area article aside base basefont bgsound blockquote body br button caption center col colgroup dd"
    " details dialog dir div dl dt embed fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 head"
    " header hgroup hr html iframe img input keygen li link listing main marquee menu meta nav noembed noframes"
    " noscript object ol p param plaintext pre script search section select source style summary table tbody td"
    " template textarea tfoot th thead title tr track ul wbr xmp mi mo mn ms mtext annotation-xml foreignobject"
    " desc".split())
_SCOPE = frozenset("applet caption html table td th marquee object template mi mo mn ms mtext annotation-xml"
                   " foreignobject desc".split())
_CLOSES_P = frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption figure footer form header"
    " hgroup main menu nav ol p search section summary ul h1 h2 h3 h4 h5 h6 pre listing table hr xmp li dd dt"
    " plaintext".split())
_FORMATTING = frozenset("a b big code em font i nobr s small strike strong tt u".split())
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_FOREIGN = frozenset(("svg", "math"))
_INTEGRATION = frozenset("foreignobject desc title mi mo mn ms mtext annotation-xml".split())
_BREAKOUT = frozenset(
    "b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i img li listing menu meta"
    " nobr ol p pre ruby s small span strong strike sub sup table tt u ul var font".split())
_SAME_CLOSES = {"li": "li", "dd": "dd", "dt": "dd", "option": "option", "optgroup": "optgroup", "rb": "rb",
                "rt": "rb", "rp": "rb", "rtc": "rb", "tr": "tr", "td": "td", "th": "td", "tbody": "tbody",
                "thead": "tbody", "tfoot": "tbody", "button": "button", "form": "form", "caption": "caption",
                "colgroup": "colgroup"}
# end tags that close their element when it is in scope (all other end tags stop at the first special element)
_SCOPED_END = frozenset(
    "address article aside blockquote button center details dialog dir div dl fieldset figcaption figure footer header"
    " hgroup listing main menu nav ol pre search section summary ul form p li dd dt h1 h2 h3 h4 h5 h6 applet marquee"
    " object template".split())
_KEY = {**_SAME_CLOSES, **{h: "h1" for h in _HEADINGS}}  # names that close one another share a key
_TABLE = frozenset("table tbody tr td caption colgroup".split())  # keys closed within the table
# names whose start tag only opens an element and whose end tag closes it up to the first special element
_PLAIN = frozenset("span em strong i b u s small big code abbr cite dfn kbd q samp sub sup time var mark bdi bdo data"
                   " label ins del picture video audio canvas map figure-x".split()) - _FORMATTING
_RAW_END = {name: re.compile(rf"</{name}[\s/>]", re.I) for name in _RAW}


@dataclass(frozen=True)
class Shallow:
    html: str
    depth: int  # the deepest level the scan counted (0: not scanned, the page has too few tags to matter)
    flattened: int  # start tags dropped

    @property
    def warning(self) -> str | None:
        if not self.flattened:
            return None
        return (f"the page nests its elements more than {MAX_DEPTH} levels deep; {self.flattened} deeper "
                f"element(s) were flattened (their text kept)")


_SPECIAL_F, _SCOPE_F, _BLOCKER_F, _FOREIGN_F, _INTEGRATION_F, _HTML_F = 1, 2, 4, 8, 16, 32


def _flags(name: str) -> int:
    f = 0
    if name in _SPECIAL:
        f |= _SPECIAL_F | (0 if name in ("address", "div", "p") else _BLOCKER_F) | (_SCOPE_F if name in _SCOPE else 0)
    if name in _FOREIGN:
        f |= _FOREIGN_F
    elif name in _INTEGRATION:
        f |= _INTEGRATION_F
    return f


_ROOT_POINTS = {"f:svg": frozenset(("foreignobject", "desc", "title")),
                "f:math": frozenset("mi mo mn ms mtext annotation-xml".split())}
_FLAGS = {name: f for name in _SPECIAL | _FOREIGN | _INTEGRATION if (f := _flags(name))}


class _Stack:
    """The parser's stack of open elements as far as depth goes: the names, and the index of the innermost element
    of each key and of each kind (special, scope boundary, special but address/div/p, foreign root, integration
    point), each kept as a stack of indices so that every question is one look-up."""

    def __init__(self) -> None:
        self.names: list[str] = []  # the key of each open element (see _KEY; "f:name" in SVG and MathML)
        self.flags: list[int] = []
        self.at: dict[str, list[int]] = {}
        self.special: list[int] = [-1]
        self.scope: list[int] = [-1]
        self.blocker: list[int] = [-1]
        self.foreign: list[int] = [-1]
        self.integration: list[int] = [-1]
        self.html: list[int] = [-1]  # elements of HTML (not SVG or MathML)
        self.deepest = 0
        self.reopen: list[str] = []
        self.form_open = False  # the parser's form element pointer: set by <form>, cleared only by </form>

    def push(self, name: str, foreign: bool = False) -> None:
        """An element opens; ``foreign``: inside SVG or MathML, where names close only their own kind and only
        the integration points (foreignObject, mi...) are special."""
        k = len(self.names)
        if foreign:
            key = "f:" + name
            root = self.names[self.foreign[-1]] if self.foreign[-1] >= 0 else "f:svg"
            f = _FOREIGN_F if name in _FOREIGN else \
                (_SPECIAL_F | _SCOPE_F | _BLOCKER_F | _INTEGRATION_F) if name in _ROOT_POINTS[root] else 0
        else:
            key = _KEY.get(name, name)
            f = _FLAGS.get(name, 0) & ~_INTEGRATION_F
            if f & _FOREIGN_F:
                key = "f:" + name
            else:
                f |= _HTML_F
        self.names.append(key)
        at = self.at.get(key)
        if at is None:
            self.at[key] = [k]
        else:
            at.append(k)
        self.flags.append(f)
        if f:
            if f & _SPECIAL_F:
                self.special.append(k)
                if f & _BLOCKER_F:
                    self.blocker.append(k)
                if f & _SCOPE_F:
                    self.scope.append(k)
            if f & _FOREIGN_F:
                self.foreign.append(k)
            elif f & _INTEGRATION_F:
                self.integration.append(k)
            if f & _HTML_F:
                self.html.append(k)
        if k >= self.deepest:
            self.deepest = k + 1

    def pop_to(self, k: int, closing: str | None = None) -> None:
        """Pop the element at index k and everything above it (``closing``: the name of the end tag that closes
        the element at k). Formatting elements closed on the way are opened again before the next element, as
        the parser's reconstruction of active formatting elements does (three of a name at most)."""
        names, flags, at = self.names, self.flags, self.at
        while len(names) > k:
            name = names.pop()
            at[name].pop()
            if name in _FORMATTING and not (closing == name and len(names) == k) and \
                    self.reopen.count(name) < 3:
                self.reopen.append(name)
            f = flags.pop()
            if f:
                if f & _SPECIAL_F:
                    self.special.pop()
                    if f & _BLOCKER_F:
                        self.blocker.pop()
                    if f & _SCOPE_F:
                        self.scope.pop()
                if f & _FOREIGN_F:
                    self.foreign.pop()
                elif f & _INTEGRATION_F:
                    self.integration.pop()
                if f & _HTML_F:
                    self.html.pop()

    def innermost(self, key: str) -> int:
        lst = self.at.get(key)
        return lst[-1] if lst else -1


def shallow_html(html: str, max_depth: int = MAX_DEPTH, *, scan_all: bool = False) -> Shallow:
    """The page as it is when it nests at most ``max_depth`` levels; else with the deeper start tags (and their end
    tags) removed. Linear in the page's length. ``scan_all`` scans even a page with too few tags to matter."""
    if not scan_all:
        tags = html.count("<")  # one pass decides most pages; a second counts the end tags out
        if tags <= 2 * SCAN_ABOVE or tags - html.count("</") <= SCAN_ABOVE:
            return Shallow(html, 0, 0)
    stack = _Stack()
    names = stack.names
    cuts: list[tuple[int, int]] = []
    dropped: dict[str, int] = {}
    search = _TAG.search
    pos = framesets = frameset_depth = 0
    while (m := search(html, pos)) is not None:
        pos = m.end()
        name = m.group(2)
        if name is None:  # a comment, a doctype, a bogus comment
            continue
        name = name.lower()
        if name == "frameset":  # framesets nest only in one another (and are ignored in a body)
            framesets += -1 if m.group(1) else 1
            frameset_depth = max(frameset_depth, framesets)
            if framesets > max_depth:
                cuts.append(m.span())
            elif framesets < 0:
                framesets = 0
            continue
        # most tags: <span>, <a>, </div>...
        if name in _PLAIN and not dropped and not stack.reopen and stack.foreign[-1] < 0:
            if m.group(1):
                k = stack.innermost(name)
                if k > stack.special[-1]:
                    stack.pop_to(k)
            elif len(names) < max_depth:
                stack.push(name)
            else:
                _push(stack, name, m, cuts, dropped, max_depth)
            continue
        if dropped and len(names) < max_depth:
            dropped.clear()  # the elements dropped were closed with the one they were flattened into
        if m.group(1):  # an end tag
            if dropped.get(name):
                dropped[name] -= 1
                cuts.append(m.span())
            elif names and names[-1][:2] == "f:" and (k := stack.innermost("f:" + name)) > stack.html[-1]:
                stack.pop_to(k)  # an end tag in SVG or MathML closes the element of its name
            else:
                _end(stack, name)
            continue
        if stack.foreign[-1] > stack.integration[-1]:  # in SVG or MathML
            if name not in _BREAKOUT:
                if not m.group(3).rstrip().endswith("/"):
                    _push(stack, name, m, cuts, dropped, max_depth, foreign=True)
                continue
            stack.pop_to(stack.foreign[-1])  # an HTML element ends the foreign content
        if name in _RAW:
            end = _script_end(html, pos) if name == "script" else _RAW_END[name].search(html, pos)
            if end is not None:  # (unterminated, the rest is text: scanning on can only count deeper)
                pos = end if isinstance(end, int) else end.start()
            continue
        if name in _VOID:
            if name == "hr":
                _close_p(stack)
            if stack.reopen:
                _reopen(stack, max_depth)
            continue
        if name in _CLOSES_P:
            _close_p(stack)  # (<plaintext> makes the rest text: scanning on can only count deeper)
        if name in _KEY:
            if not _start_closes(stack, name):
                continue
        elif name in _FORMATTING:
            if name in ("a", "nobr"):
                _end(stack, name)
        elif name in ("html", "body", "head"):
            continue
        if stack.reopen:
            _reopen(stack, max_depth)
        _push(stack, name, m, cuts, dropped, max_depth)
    if not cuts:
        return Shallow(html, max(stack.deepest, frameset_depth), 0)
    pieces, last = [], 0
    for cut_start, cut_end in cuts:
        pieces.append(html[last:cut_start])
        last = cut_end
    pieces.append(html[last:])
    return Shallow("".join(pieces), max(stack.deepest, frameset_depth), sum(1 for s, _ in cuts if html[s + 1] != "/"))


_SCRIPT_MARK = re.compile(r"<!--|-->|<(/?)script[\s/>]", re.I)


def _script_end(html: str, pos: int) -> int | None:
    """Where a script's text ends: at ``</script``, except inside ``<!-- <script>`` (the script data escapes)."""
    escaped = double = False
    while (m := _SCRIPT_MARK.search(html, pos)) is not None:
        token = m.group(0)
        if token == "<!--":
            escaped = True
        elif token == "-->":
            escaped = double = False
        elif m.group(1):
            if not double:
                return m.start()
            double = False
        elif escaped:
            double = True
        pos = m.end()
    return None


def _start_closes(stack: _Stack, name: str) -> bool:
    """What a start tag of an element with an implied end closes (a <li> the open <li>, a <td> the open cell...);
    False when the parser ignores the tag."""
    key = _KEY[name]
    names = stack.names
    k = stack.innermost(key)
    if key == "h1":
        if names and names[-1] == "h1":
            stack.pop_to(len(names) - 1)
    elif key == "form":
        if stack.form_open:
            return False  # a form inside a form is ignored
        stack.form_open = True
    elif key in ("li", "dd"):
        if k >= 0 and k >= stack.blocker[-1]:  # (the item itself is a blocker)
            stack.pop_to(k)
    elif key in _TABLE:
        if stack.innermost("table") < 0:
            return False  # a cell, row or row group outside a table is ignored
        if k >= 0 and k > stack.innermost("table"):
            stack.pop_to(k)
        if name in ("td", "th", "tr") and names and names[-1] == "table":
            _push(stack, "tbody", None, [], {}, MAX_DEPTH)
        if name in ("td", "th") and names and names[-1] in ("table", "tbody"):
            _push(stack, "tr", None, [], {}, MAX_DEPTH)
    elif key in ("option", "optgroup"):
        if names and names[-1] == "option":  # (outside a <select> an optgroup does not close an optgroup)
            stack.pop_to(len(names) - 1)
    elif key == "rb":  # ruby text closes only ruby text, inside a ruby
        if names and names[-1] == "rb" and stack.innermost("ruby") > stack.scope[-1]:
            stack.pop_to(len(names) - 1)
    elif k >= 0 and k > stack.scope[-1]:  # button
        stack.pop_to(k)
    return True


def _reopen(stack: _Stack, max_depth: int) -> None:
    for name in stack.reopen:
        if len(stack.names) < max_depth:
            stack.push(name)
    stack.reopen.clear()


def _push(stack: _Stack, name: str, m: re.Match[str] | None, cuts: list[tuple[int, int]], dropped: dict[str, int],
          max_depth: int, foreign: bool = False) -> None:
    if len(stack.names) < max_depth:
        stack.push(name, foreign)
        return
    if m is not None:  # an implied element past the cap simply is not counted
        cuts.append(m.span())
        dropped[name] = dropped.get(name, 0) + 1


def _close_p(stack: _Stack) -> None:
    k = stack.innermost("p")
    if k >= 0 and k > stack.scope[-1] and not (stack.innermost("button") > k):
        stack.pop_to(k)


def _end(stack: _Stack, name: str) -> None:
    """An end tag closes what the parser would close, and nothing when the parser would ignore it (it never closes
    more: a hostile page must not hide its depth)."""
    key = _KEY.get(name, name)
    if name in _FORMATTING and name in stack.reopen:
        stack.reopen.remove(name)
    k = stack.innermost(key)
    if k < 0:
        return
    if key in _TABLE:  # within the table scope
        if k >= stack.innermost("table"):
            stack.pop_to(k)
    elif key == "form":
        stack.form_open = False
        if k == len(stack.names) - 1:  # else the form leaves the stack (not the tree), what is open inside stays
            stack.pop_to(k)
    elif name in _FORMATTING:
        # the adoption agency: with a block inside, the element is moved and the depth stays about the same
        if k > stack.scope[-1] and k > stack.special[-1]:
            stack.pop_to(k, name)
    elif name in _SCOPED_END or key != name:
        bound = stack.scope[-1]
        if key == "li":
            bound = max(bound, stack.innermost("ul"), stack.innermost("ol"))
        elif key == "p":
            bound = max(bound, stack.innermost("button"))
        if k > bound or (k == bound and name in _SCOPE):
            stack.pop_to(k)
    elif k >= stack.special[-1]:  # any other end tag: up to the first special element
        stack.pop_to(k)


def parse_html(html: str) -> tuple[LexborHTMLParser, str | None]:
    """The page parsed by Lexbor after :func:`shallow_html`, and the warning when it had to flatten it."""
    shallow = shallow_html(html)
    return LexborHTMLParser(shallow.html), shallow.warning
