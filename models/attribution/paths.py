"""From a frame's file name to a repository path: path mappings, third-party detection, hostile paths.

Pure functions on strings; nothing here touches git. `resolve.py` checks candidates against the tree
at the revision and verifies them by source line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from models.config import PathMapping
from models.sources.scrub import scrub_text

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_STDLIB = re.compile(r"(^|/)lib/(pypy|python)\d(\.\d+)?/(?!.*(site|dist)-packages/)")
_INSTALLED = ("site-packages", "dist-packages")


def normalise(path: str) -> str:
    """Forward slashes, no `./` segments, no doubled slashes (`..` is kept: it is judged hostile)."""
    path = path.replace("\\", "/")
    if re.match(r"^[A-Za-z]:/", path):  # Windows drive
        path = "/" + path[3:]
    lead = "/" if path.startswith("/") else ""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    return lead + "/".join(parts)


def is_hostile(path: str) -> bool:
    """Paths that could escape the repository or be read as options: `..`, control chars, leading `-`."""
    if not path or _CONTROL.search(path):
        return True
    segments = path.replace("\\", "/").split("/")
    return any(s == ".." or s.startswith("-") for s in segments)


def is_stdlib(path: str) -> bool:
    """Python's standard library, frozen modules and synthetic code (`<string>`, `<frozen ...>`)."""
    return path.startswith("<") or bool(_STDLIB.search(path))


def installed_package_path(path: str) -> str | None:
    """`pkg/mod.py` for `.../site-packages/pkg/mod.py` (the path inside the installed package)."""
    segments = path.split("/")
    for i in range(len(segments) - 1, -1, -1):
        if segments[i] in _INSTALLED:
            rest = segments[i + 1 :]
            return "/".join(rest) if rest else None
    return None


def apply_mappings(path: str, mappings: Iterable[PathMapping]) -> str | None:
    """Map a deployed path to a repository path with the longest matching stack root.

    A stack root starting with `/` must be a prefix of the path (`/app/src/` -> `src/`); a relative
    one matches at any segment boundary (`site-packages/shop/` -> `src/shop/`), like Sentry's code
    mappings. Returns None when no mapping applies, or when the result would leave the repository.
    """
    best: tuple[int, str] | None = None
    for m in mappings:
        root = normalise(m.stack_root)
        if not root:
            continue
        rest = None
        if root.startswith("/"):
            if path.startswith(root + "/"):
                rest = path[len(root) + 1 :]
        else:
            if path.startswith(root + "/"):
                rest = path[len(root) + 1 :]
            else:
                idx = path.find("/" + root + "/")
                if idx >= 0:
                    rest = path[idx + len(root) + 2 :]
        if rest is None:
            continue
        source = normalise(m.source_root).lstrip("/")
        mapped = f"{source}/{rest}" if source else rest
        if best is None or len(root) > best[0]:
            best = (len(root), mapped)
    if best is None:
        return None
    mapped = best[1]
    if mapped.startswith("/") or is_hostile(mapped):
        return None
    return mapped


def module_path(module: str, basename: str) -> str:
    """'shop/cart.py' for module 'shop.cart' and basename 'cart.py' ('shop/cart/__init__.py' for packages)."""
    parts = [p for p in module.split(".") if p and not is_hostile(p)]
    if not parts:
        return basename
    if basename == "__init__.py":
        return "/".join([*parts, basename])
    if parts[-1] == basename.rsplit(".", 1)[0]:
        return "/".join([*parts[:-1], basename])
    return basename


def suffix_candidates(path: str, by_basename: dict[str, list[str]]) -> list[tuple[str, int]]:
    """Tree paths with the frame's basename, with how many trailing segments they share, best first."""
    segments = [s for s in path.split("/") if s]
    if not segments:
        return []
    found = []
    for cand in by_basename.get(segments[-1], ()):
        cs = cand.split("/")
        n = 0
        while n < min(len(cs), len(segments)) and cs[-1 - n] == segments[-1 - n]:
            n += 1
        found.append((cand, n))
    found.sort(key=lambda c: (-c[1], c[0]))
    return found


def same_code(a: str | None, b: str | None) -> bool:
    """Whitespace-normalised equality of an event's source line `a` and a repository line `b` (a trailing
    `...` in `a` means truncated). Event lines were scrubbed before storage, so a repository line holding
    a secret literal (`token = "..."`) is compared scrubbed too (only when the plain comparison fails)."""
    if a is None or b is None:
        return False
    na = " ".join(a.split())
    if _same_normalised(na, b):
        return True
    scrubbed = _scrubbed(b)
    return scrubbed is not None and _same_normalised(na, scrubbed)


@functools.lru_cache(maxsize=1 << 16)
def _scrubbed(line: str) -> str | None:
    """A repository line with its secrets replaced, None when it holds none. Cached: revision inference
    compares the same file lines at many revisions (scrubbing them was most of its time on real history)."""
    scrubbed = scrub_text(line)
    return scrubbed if scrubbed != line else None


def _same_normalised(na: str, b: str) -> bool:
    nb = " ".join(b.split())
    return na == nb or (na.endswith("...") and len(na) > 20 and nb.startswith(na[:-3].rstrip()))
