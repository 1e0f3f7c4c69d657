"""A labelled world of planted bugs for the clusters benchmark: signatures in their "clothing".

Every bug is one failure; its signatures are the clothing production puts on it:
a renamed wrapper, its traceback printed in a
log by a differently deployed copy (origin 'log': absolute paths, qualified type), and — for bugs
without a stack trace — parameters in the message the parameterization rules do not know.
Look-alike *distinct* bugs are planted on purpose: same exception type at another crash site, another
type at the same crash site, another function of the same file, another line of the same function
and call path, the same line of a shared helper reached by other callers, and message-only bugs of one
exception type with different messages.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

MODULES = ["payments", "orders", "billing", "catalog", "cart", "shipping", "accounts", "auth", "search",
           "inventory", "reports", "emails", "webhooks", "exports", "pricing", "coupons", "tax", "refunds",
           "invoices", "sessions", "profiles", "reviews", "media", "imports", "sync", "ledger", "alerts",
           "quotes", "returns", "loyalty"]  # fmt: skip
VERBS = ["get", "load", "fetch", "sync", "apply", "compute", "send", "build", "update", "parse", "check",
         "store", "render", "resolve", "charge", "refund", "notify", "import", "export", "merge"]  # fmt: skip
NOUNS = ["order", "invoice", "customer", "cart", "price", "rate", "token", "item", "batch", "report",
         "address", "coupon", "stock", "profile", "session", "payload", "quote", "ledger", "refund", "tax"]  # fmt: skip
WORDS = ["alpha", "bravo", "delta", "gamma", "kilo", "lima", "oscar", "tango", "victor", "zulu", "north",
         "south", "amber", "coral", "ivory", "olive"]  # fmt: skip

# (exception type, value template, crash-site code template); {n} noun, {v} verb, {w} word, {i} int
STACK_KINDS = [
    ("ReadTimeout", "HTTPSConnectionPool(host='{w}.example.com', port=443): Read timed out. (read timeout={i})",
     "resp = requests.get({n}_url + str({n}.id))"),
    ("KeyError", "'{n}'", "value = payload[\"{n}\"]"),
    ("OperationalError", 'near "{w}": syntax error', "cur.execute(f\"SELECT * FROM {n} WHERE name = '{{q}}'\")"),
    ("IntegrityError", "UNIQUE constraint failed: {n}s.id", "db.add({n}); db.commit()"),
    ("TypeError", "can't compare offset-naive and offset-aware datetimes", "if {n}.expires_at < now:"),
    ("AttributeError", "'NoneType' object has no attribute '{n}'", "total += record.{n}.amount"),
    ("FileExistsError", "[Errno 17] File exists: '/tmp/{n}'", "os.makedirs(path)"),
    ("CalledProcessError", "Command '{v} {n}' returned non-zero exit status 127.", "subprocess.run(cmd, shell=True, check=True)"),
    ("MemoryError", "", "rows = list(cursor.fetchall())"),
    ("ZeroDivisionError", "division by zero", "ratio = {n}.total / {n}.count"),
]  # fmt: skip
# message-only bugs (no stack): every bug its own skeleton "<type>: <verb> <noun> failed: <reason>",
# so distinct bugs of one type share words; {w} is a parameter the rules miss (a plain word)
MESSAGE_TYPES = ["ValueError", "PaymentError", "RuntimeError", "SyncError"]
REASONS = ["upstream refused {w}", "quota exceeded for tenant {w}", "lock held by worker {w}",
           "schema mismatch in column {w}", "unknown currency code {w}", "card declined by issuer {w}",
           "lease lost on queue {w}", "checksum differs for chunk {w}", "stale cursor on shard {w}",
           "invalid state transition to {w}"]  # fmt: skip


@dataclass
class Proto:
    """One signature: a bug in one piece of clothing."""

    bug_id: str
    exc_type: str
    value: str
    origin: str  # 'sentry' | 'log'
    frames: list[tuple[str, str, str, str | None, bool]]  # (path, function, context, module, in_app)
    weight: float = 1.0


def _fill(rng: random.Random, text: str, n: str) -> str:
    w = rng.choice(WORDS)
    return text.format(n=n, v=rng.choice(VERBS), w=w, W=w.upper(), i=rng.randint(2, 90))


def _path(rng: random.Random, depth: int) -> list[tuple[str, str, str]]:
    out = []
    for _ in range(depth):
        m, v, n = rng.choice(MODULES), rng.choice(VERBS), rng.choice(NOUNS)
        out.append((m, f"{v}_{n}", f"return {rng.choice(VERBS)}_{rng.choice(NOUNS)}({n})"))
    return out


def _frames(path: list[tuple[str, str, str]], crash: tuple[str, str, str], log_style: bool):
    frames = []
    for m, fn, ctx in [*path, crash]:
        if log_style:  # a traceback printed by a copy deployed under a versioned directory
            frames.append((f"/srv/releases/2026.11/shop/{m}.py", fn, ctx, None, True))
        else:
            frames.append((f"shop/{m}.py", fn, ctx, f"shop.{m}", True))
    lib = ("/usr/lib/python3.11/site-packages/lib/core.py", "call", "return fn(*a)", "lib.core", False)
    return frames + ([lib] if log_style else [])


def make_corpus(n_bugs: int = 300, seed: int = 7) -> list[Proto]:
    rng = random.Random(seed)
    protos: list[Proto] = []
    sites: list[tuple] = []  # (crash, kind, noun, path) of the stack bugs so far
    skeletons: set[str] = set()
    for b in range(n_bugs):
        bug = f"B{b:04d}"
        if rng.random() < 0.2:  # message-only bug
            etype = rng.choice(MESSAGE_TYPES)
            while (
                skeleton := f"{rng.choice(VERBS)} {rng.choice(NOUNS)} failed: {rng.choice(REASONS)}"
            ) in skeletons:
                pass
            skeletons.add(skeleton)
            for _ in range(rng.randint(1, 4)):  # parameters the rules miss make several fingerprints
                value = skeleton.format(w=rng.choice(WORDS))
                protos.append(Proto(bug, etype, value, "sentry", [], rng.paretovariate(1.2)))
            continue
        kind, noun = rng.choice(STACK_KINDS), rng.choice(NOUNS)
        path = _path(rng, rng.randint(2, 5))
        crash = (rng.choice(MODULES), f"{rng.choice(VERBS)}_{noun}_{b}", _fill(rng, kind[2], noun))
        if sites and rng.random() < 0.4:  # a distinct bug that looks like an earlier one
            o_crash, o_kind, o_noun, o_path = rng.choice(sites)
            m, fn, ctx = o_crash
            trick = rng.choice(["other_type", "other_function", "other_file", "other_line", "shared_helper"])
            if trick == "other_type":  # another exception at the very same line
                kind, crash = rng.choice([k for k in STACK_KINDS if k[0] != o_kind[0]]), o_crash
            elif trick == "other_function":  # same type, same file, another function
                kind, crash = o_kind, (m, f"{fn}_other", _fill(rng, o_kind[2], noun) + f"  # {b}")
            elif trick == "other_file":  # same type, same function name, another file
                kind, crash = o_kind, (rng.choice([x for x in MODULES if x != m]), fn, ctx)
            elif trick == "other_line":  # same type, same function and call path, another line
                kind, path = o_kind, o_path
                crash = (
                    m,
                    fn,
                    _fill(rng, o_kind[2], rng.choice([x for x in NOUNS if x != o_noun])) + f"  # {b}",
                )
            else:  # same type at the same line of a shared helper, reached by other callers with other data
                kind, crash, noun = o_kind, o_crash, rng.choice([x for x in NOUNS if x != o_noun])
        sites.append((crash, kind, noun, path))
        value = _fill(rng, kind[1], noun)
        protos.append(
            Proto(bug, kind[0], value, "sentry", _frames(path, crash, False), rng.paretovariate(1.2))
        )
        if rng.random() < 0.4 and len(path) >= 2:  # the outermost wrapper was renamed in a later release
            m, fn, ctx = path[0]
            renamed = [(m, fn + "_v2", ctx), *path[1:]]
            protos.append(Proto(bug, kind[0], value, "sentry", _frames(renamed, crash, False), 1.0))
        if rng.random() < 0.4:  # the same failure printed as a traceback in a log
            qual = {"ReadTimeout": "requests.exceptions.ReadTimeout", "OperationalError": "sqlite3.OperationalError",
                    "IntegrityError": "sqlite3.IntegrityError",
                    "CalledProcessError": "subprocess.CalledProcessError"}.get(kind[0], kind[0])  # fmt: skip
            protos.append(Proto(bug, qual, value, "log", _frames(path, crash, True), 1.0))
    return protos
