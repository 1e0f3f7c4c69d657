"""Log template mining: log message → template with `<*>` parameters, one configuration for all sources.

How it works (and why it holds on systems it was never tuned on):
1. **Type** the variables every log shares (`token_types.py`: urls, quoted values, IPv6/MAC/times,
   host:port, numbers with units, id runs, month names) with vectorised Polars regexes, and collapse a
   run of variables into one `<*>` (a list of any length is one parameter). Real logs repeat massively,
   so the typed lines ("patterns") are few: the steps below only see distinct patterns.
2. **Group** the distinct patterns in the spirit of Brain (Yu et al., 2023): tokens (whitespace, `=` and
   `,` split off) are grouped by token count; in each length group every (position, token) gets a
   frequency; a pattern's *root* is its tokens whose frequency is the most common one among its tokens
   (ties → the higher frequency), and patterns with the same root are one candidate template. Tokens
   more frequent than the root (words shared with other messages, such as `user`) are not part of it.
   Every other position is split left to right inside each sub-group: it stays a parameter when a value
   is already `<*>`, looks like a path/address (`/`, `\\`, `@`), or (after the first token) has more
   than `word_variants` distinct words; otherwise each word is a constant of its own template. The first
   token is the message's verb/subject or key: plain words there are always constants.
3. **Merge** templates that differ only in parameter positions: a template whose every token equals the
   other's or stands where the other has `<*>` joins that more general template (the most specific one
   when several fit). A word seen elsewhere as a parameter value (`Invalid user user from <*>`) then
   joins its template instead of founding one.
4. **Persist**: every distinct pattern is stored with its template id. A later run maps known patterns
   directly; new patterns are grouped together with the known ones, join the template of the known
   patterns they group with, or found a new template; known templates that now fall into one group are
   merged (the one with the most patterns keeps its id), so many small runs end with the grouping of one
   run over everything. An id is never handed out twice.

The method has one threshold, `word_variants`, chosen by leave-one-system-out over the ten Loghub
systems in shared/ (`loso.py`; every held-out system picks 3). Measured figures: README and
benchmarks/signatures.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from models.signatures.logformat import split_lines
from models.signatures.token_types import WILDCARD, mask_expr
from models.sources.scrub import scrub_fragments, scrub_text

MINER_VERSION = 2  # bump when the typing or the grouping changes what a pattern's template is
_TOKEN = re.compile(r"\s*(?:[=,]|[^\s=,]+)")
_ADDRESS_LIKE = re.compile(r"/|@|\\")
DEDUPE_BELOW = 0.7  # type distinct messages only when at most this share of the messages is distinct


@dataclass(frozen=True)
class MinerSettings:
    """The miner's knobs: one setting for every source (no per-system tuning)."""

    word_variants: int = 3  # a word position with more distinct values than this is a parameter
    merge_subsumed: bool = True  # step 3 of the module docstring

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


DEFAULT_SETTINGS = MinerSettings()


def tokenize(pattern: str) -> list[str]:
    return [t.strip() for t in _TOKEN.findall(pattern)]


def spacing(pattern: str) -> list[bool]:
    """For each token of `tokenize(pattern)`: whether whitespace precedes it (to render templates)."""
    return [t[:1].isspace() for t in _TOKEN.findall(pattern)]


def render(tokens: list[str], spaces: list[bool]) -> str:
    return "".join((" " if space and i else "") + tok for i, (tok, space) in enumerate(zip(tokens, spaces)))


def _root_key(tokens: list[str], freq: Counter) -> tuple:
    """The pattern's tokens that share the most common frequency (Brain's longest common pattern)."""
    counts = [freq[(j, w)] for j, w in enumerate(tokens) if w != WILDCARD]
    if not counts:
        return ()
    by_count = Counter(counts)
    mode = max(by_count.items(), key=lambda kv: (kv[1], kv[0]))[0]
    return tuple((j, w) for j, w in enumerate(tokens) if w != WILDCARD and freq[(j, w)] == mode)


def _is_parameter(values: set[str], position: int, settings: MinerSettings) -> bool:
    """Whether a position whose sub-group shows `values` (more than one) is a parameter."""
    if any(WILDCARD in v or _ADDRESS_LIKE.search(v) for v in values):
        return True
    return position > 0 and len(values) > settings.word_variants


def _split(members: list[int], toks: list[list[str]], fixed: set[int], n: int, settings) -> list[list[int]]:
    groups = [members]
    for j in range(n):
        if j in fixed:
            continue
        split: list[list[int]] = []
        for g in groups:
            values = {toks[i][j] for i in g}
            if len(values) == 1 or _is_parameter(values, j, settings):
                split.append(g)
                continue
            by_value: dict[str, list[int]] = defaultdict(list)
            for i in g:
                by_value[toks[i][j]].append(i)
            split.extend(by_value.values())
        groups = split
    return groups


def merge_subsumed(made: dict[tuple, list[int]]) -> dict[tuple, list[int]]:
    """Step 3: every template that a more general one (same length, `<*>` where they differ) matches
    joins the most specific such template; chains end at the most general. Candidates are found by
    their first constant token, which the specific template must share."""
    by_first: dict[tuple[int, str], list[tuple]] = defaultdict(list)
    for tpl in made:
        first = next(((j, w) for j, w in enumerate(tpl) if w != WILDCARD), None)
        if first is not None and WILDCARD in tpl:
            by_first[first].append(tpl)
    target: dict[tuple, tuple] = {}
    for a in made:
        best, best_rank = None, None
        for j, w in enumerate(a):
            for b in by_first.get((j, w), ()):
                if b == a or not all(y == x or y == WILDCARD for x, y in zip(a, b)):
                    continue
                rank = (b.count(WILDCARD), -len(made[b]), b)
                if best_rank is None or rank < best_rank:
                    best, best_rank = b, rank
        if best is not None:
            target[a] = best
    out: dict[tuple, list[int]] = {}
    for tpl, members in made.items():
        while tpl in target:  # strictly more wildcards at every step: no cycles
            tpl = target[tpl]
        out.setdefault(tpl, []).extend(members)
    return out


def group_patterns(patterns: list[str], settings: MinerSettings = DEFAULT_SETTINGS) -> list[str]:
    """Template text for each distinct typed pattern (pure; see module docstring, steps 2 and 3)."""
    toks = [tokenize(p) for p in patterns]
    by_len: dict[int, list[int]] = defaultdict(list)
    for i, t in enumerate(toks):
        by_len[len(t)].append(i)
    out: list[str] = [""] * len(patterns)
    for n, idx in by_len.items():
        freq = Counter((j, toks[i][j]) for i in idx for j in range(n))
        roots: dict[tuple, list[int]] = defaultdict(list)
        for i in idx:
            roots[_root_key(toks[i], freq)].append(i)
        made: dict[tuple, list[int]] = {}
        for key, members in roots.items():
            for g in _split(members, toks, {j for j, _ in key}, n, settings):
                template = []
                for j in range(n):
                    values = {toks[i][j] for i in g}
                    template.append(values.pop() if len(values) == 1 else WILDCARD)
                made.setdefault(tuple(template), []).extend(g)
        if settings.merge_subsumed:
            made = merge_subsumed(made)
        for template, g in made.items():
            text = render(list(template), spacing(patterns[min(g)]))
            for i in g:
                out[i] = text
    return out


def template_id_for(template: str, taken: set[str]) -> str:
    """A new id derived from the template's first text; never reused (suffix on collision)."""
    base = "T" + hashlib.md5(template.encode("utf-8")).hexdigest()[:12]
    candidate, k = base, 1
    while candidate in taken:
        candidate, k = f"{base}-{k}", k + 1
    return candidate


@dataclass
class MinerState:
    """Everything the miner needs to resume: pattern → template id, and template texts.

    `retired` holds ids that must never be handed out again (merged away); `reserved` ids that exist
    under an earlier grouping version (a new template may keep one, see `assign`, but never by chance);
    `merged` collects the merges of this session (retired id → surviving id) for the store."""

    patterns: dict[str, str] = field(default_factory=dict)  # pattern -> template_id
    templates: dict[str, str] = field(default_factory=dict)  # template_id -> template text
    settings: MinerSettings = DEFAULT_SETTINGS
    retired: set[str] = field(default_factory=set)
    reserved: set[str] = field(default_factory=set)
    merged: dict[str, str] = field(default_factory=dict)


def _merge_text(old: str, new: str) -> str:
    a, b = tokenize(old), tokenize(new)
    if len(a) != len(b):
        return old
    return render([x if x == y else WILDCARD for x, y in zip(a, b)], spacing(old))


def _merge_known(state: MinerState, groups: list[list[int]], every: list[str], n_known: int) -> None:
    """Known templates whose patterns now fall into one group become one template (more lines showed a
    word position to be a parameter): the one with the most patterns survives (then the smaller id),
    the others are retired and recorded in `state.merged`."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for members in groups:
        ids = sorted({state.patterns[every[i]] for i in members if i < n_known})
        for other in ids[1:]:
            a, b = find(ids[0]), find(other)
            if a != b:
                parent[b] = a
    if not parent:
        return
    size = Counter(state.patterns.values())
    components: dict[str, list[str]] = defaultdict(list)
    for tid in {*parent, *parent.values()}:
        components[find(tid)].append(tid)
    for ids in components.values():
        survivor = min(ids, key=lambda t: (-size[t], t))
        for tid in ids:
            if tid != survivor:
                state.merged[tid] = survivor
                state.retired.add(tid)
                state.templates[survivor] = _merge_text(state.templates[survivor], state.templates.pop(tid))
    for retired, survivor in list(state.merged.items()):  # earlier merges into a now retired survivor
        while survivor in state.merged:
            survivor = state.merged[survivor]
        state.merged[retired] = survivor
    for pattern, tid in state.patterns.items():
        if tid in state.merged:
            state.patterns[pattern] = state.merged[tid]


def assign(state: MinerState, new_patterns: list[str], prior: dict[str, str] | None = None) -> list[str]:
    """Add unseen patterns to the state; returns the ids of the templates that changed or were created.

    `prior` (pattern → the template id its lines had under an earlier grouping version) lets a new
    template keep the id most of its patterns had, as long as no template of this state holds it."""
    new_patterns = [p for p in dict.fromkeys(new_patterns) if p not in state.patterns]
    if not new_patterns:
        return []
    known = list(state.patterns)
    every = known + new_patterns
    texts = group_patterns(every, state.settings)
    by_text: dict[str, list[int]] = defaultdict(list)
    for i, text in enumerate(texts):
        by_text[text].append(i)
    _merge_known(state, list(by_text.values()), every, len(known))
    changed: list[str] = []
    taken = set(state.templates) | state.retired | state.reserved
    for text, members in sorted(by_text.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        fresh = [every[i] for i in members if i >= len(known)]
        if not fresh:
            continue
        old_ids = Counter(state.patterns[every[i]] for i in members if i < len(known))
        if old_ids:
            tid = min(old_ids, key=lambda t: (-old_ids[t], t))
            state.templates[tid] = _merge_text(state.templates[tid], text)
        else:
            wanted = Counter(prior[p] for p in fresh if prior and prior.get(p))
            wanted = Counter({t: c for t, c in wanted.items() if t not in state.templates and t not in state.retired})
            tid = min(wanted, key=lambda t: (-wanted[t], t)) if wanted else template_id_for(text, taken)
            taken.add(tid)
            state.templates[tid] = text
        for p in fresh:
            state.patterns[p] = tid
        changed.append(tid)
    return changed


def type_messages(messages: pl.Series) -> pl.Series:
    """Step 1 of the module docstring: the typed pattern of each message (same length and order). A pure
    map, message by message: the compute layer runs it per partition on workers (models/compute/templates.py)."""
    frame = pl.DataFrame({"message": messages.cast(pl.Utf8)})
    return frame.select(mask_expr(pl.col("message")).alias("pattern")).to_series()


def mine_messages(
    messages: pl.Series, state: MinerState | None = None, prior_ids: pl.Series | None = None,
    typer: Callable[[pl.Series], pl.Series] = type_messages,
) -> tuple[pl.DataFrame, MinerState]:
    """Template id and text for every message (one row per input, same order), and the updated state.

    `prior_ids` (aligned with `messages`, may hold nulls): the template id each message had under an
    earlier grouping version; a new template takes the id most of its lines had (see `assign`).
    When many messages repeat whole (real logs do), each distinct message is typed once and the result
    joined back; otherwise every message is typed directly (the dedupe would cost more than it saves).
    `typer` types the messages (`type_messages`, or the same map run on a cluster). The distinct patterns
    are then grouped in sorted order: the templates depend on the set of patterns, not on the order of the
    lines or on how the typing was split."""
    state = state or MinerState()
    lines = pl.DataFrame({"message": messages.cast(pl.Utf8)})
    if prior_ids is not None:
        lines = lines.with_columns(prior_ids.cast(pl.Utf8).alias("prior_id"))
    dedupe = prior_ids is None and lines.height > 0 and lines["message"].n_unique() <= DEDUPE_BELOW * lines.height
    typed = lines.unique("message") if dedupe else lines
    typed = typed.with_columns(typer(typed["message"]))
    prior = None
    if prior_ids is not None:
        votes = typed.drop_nulls("prior_id").group_by("pattern", "prior_id").len()
        prior = dict(votes.sort("len", "prior_id", descending=[True, False]).unique("pattern", keep="first")
                     .select("pattern", "prior_id").iter_rows())
    assign(state, typed["pattern"].unique().sort().to_list(), prior)
    lookup = pl.DataFrame(
        {"pattern": list(state.patterns), "template_id": list(state.patterns.values())},
        schema={"pattern": pl.Utf8, "template_id": pl.Utf8},
    ).join(
        pl.DataFrame(
            {"template_id": list(state.templates), "template": list(state.templates.values())},
            schema={"template_id": pl.Utf8, "template": pl.Utf8},
        ),
        on="template_id",
    )
    out = typed.join(lookup, on="pattern", how="left", maintain_order="left")
    if dedupe:
        out = lines.join(out, on="message", how="left", maintain_order="left", nulls_equal=True)
    return out.select("pattern", "template_id", "template"), state


def read_lines(path: str | Path) -> pl.Series:
    """The lines of a text file, each with its line ending (`split_lines` strips it), built without a
    Python object per line: the newline positions (numpy) become the offsets of one Arrow string array
    over the file's bytes. Invalid UTF-8 is decoded with replacement characters instead."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"log file not found: {path}")
    data = path.read_bytes()
    ends = np.flatnonzero(np.frombuffer(data, np.uint8) == 10) + 1
    offsets = np.concatenate([[0], ends, [] if data.endswith(b"\n") or not data else [len(data)]]).astype(np.int64)
    array = pa.LargeStringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data))
    try:
        array.validate(full=True)
    except pa.ArrowInvalid:  # not UTF-8: decode with replacement characters (0x0A stays the line end)
        text = data.decode("utf-8", errors="replace")
        return pl.Series("line", text.split("\n")[: len(offsets) - 1])
    return pl.Series("line", array)


def mine_file(
    path: str | Path, line_format: str | None, settings: MinerSettings = DEFAULT_SETTINGS, *, scrub: bool = False
) -> pl.DataFrame:
    """Pure file API: `LineId, EventId, EventTemplate` for every line of a log file (Loghub shape).

    `scrub=True` (what leaves Hindsight as a file): each line is scrubbed before mining, and what only
    neighbouring lines reveal together (a private key's BEGIN line, body and END line) is replaced in
    every line; a line is never joined or split, so LineId stays the file's line number."""
    lines = read_lines(path)
    if scrub:
        plain = lines.str.strip_suffix("\n").to_list()
        lines = pl.Series("line", scrub_fragments(scrub_texts_each(plain)), dtype=pl.String)
    return mine_lines(lines, line_format, settings)


def scrub_texts_each(lines: list[str]) -> list[str]:
    """Every line scrubbed on its own (the whole policy), each distinct line once."""
    seen: dict[str, str] = {}
    return [seen[t] if t in seen else seen.setdefault(t, scrub_text(t)) for t in lines]


def mine_lines(lines: pl.Series, line_format: str | None, settings: MinerSettings = DEFAULT_SETTINGS) -> pl.DataFrame:
    """`LineId, EventId, EventTemplate` for raw log lines (the `Content` of each by `line_format`)."""
    content = split_lines(lines, line_format)["Content"]
    out, _ = mine_messages(content, MinerState(settings=settings))
    return out.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("LineId"),
        pl.col("template_id").alias("EventId"),
        pl.col("template").alias("EventTemplate"),
    )
