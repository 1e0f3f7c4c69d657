"""The failure-class registry: each class declared once, in `classes/<id>.toml` (+ `<id>.yaml`, `<id>.py`).

A declaration holds everything the stages know of a class; the rest of the code derives from it:

    id, title, position      the slug (ANCHORS.md §6, docs/TEAM.md), its title, its row in §6 (the order)
    antecedent               the defect sits before the crashing line (a swallowed exception, a naive
                             `now()` compared later): evaluation credits a finding earlier in the function,
                             guidance shows the lines before the crash
    ruff_codes, ruff_left_out, banned_apis
                             built-in ruff codes shipped with the class, the other codes of §6 and why
                             they are not shipped, APIs banned (TID251) with their message
    [mining] extractor       `module:function` reading the failing construct at a crash line (mining)
    [mining] anchor          `module:function` giving where the catalog pattern starts in the crashing
                             function when no construct is read (defect before the crash)
    [[classify]]             the clustering stage's rules (signal -> class), each with a global `order`
                             (lower first; the first rule whose every condition holds wins):
                             `types` (exception type name), `message`, `code`, `not_code` (regexes)
    <id>.yaml / <id>.py      the semgrep catalog rule and its `# ruleid:` / `# ok:` examples

`load_registry(folder)` validates a folder: every class has all its parts, every file belongs to a
class, ids and rule ids agree, references resolve. Adding a class is adding its three files.
"""

from __future__ import annotations

import importlib
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from types import MappingProxyType

import yaml

from models.errors import ConfigError
from models.package_data import package_path

REGISTRY_DIR = package_path("models.failure_classes", "classes")
UNKNOWN = "unknown"  # the class of what no classification rule recognises (never declared)
PARTS = (".toml", ".yaml", ".py")  # declaration, semgrep catalog rule, its annotated examples
_KEYS = {"id", "title", "position", "antecedent", "ruff_codes", "ruff_left_out", "banned_apis", "mining", "classify"}
_MINING_KEYS = {"extractor", "anchor"}
_CLASSIFY_KEYS = {"id", "order", "types", "message", "code", "not_code"}


class RegistryError(ConfigError, ValueError):
    """A registry folder that does not hold a complete, consistent declaration of every class."""


@dataclass(frozen=True)
class ClassifyRule:
    """One clustering rule of a class, as declared (compiled by `models.clusters.classify`)."""

    id: str
    failure_class: str
    order: int
    types: tuple[str, ...] = ()
    message: tuple[str, ...] = ()
    code: tuple[str, ...] = ()
    not_code: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)  # one object per declaration: compared and hashed by identity
class FailureClass:
    id: str
    title: str
    position: int
    antecedent: bool
    ruff_codes: tuple[str, ...]
    ruff_left_out: Mapping[str, str]  # ruff code -> why it is not shipped
    banned_apis: Mapping[str, str]  # dotted API name -> message (ruff TID251)
    extractor_ref: str | None  # "module:function" (mining)
    anchor_ref: str | None  # "module:function" (mining)
    classify: tuple[ClassifyRule, ...]
    rule_path: Path  # the semgrep catalog rule
    examples_path: Path  # its annotated examples (`semgrep scan --test`)

    @property
    def rule_id(self) -> str:
        return f"hindsight.catalog.{self.id}"

    @cached_property
    def rule(self) -> Mapping:
        """The semgrep catalog rule mapping, as in the YAML file (read when first asked for)."""
        return yaml.safe_load(self.rule_path.read_text(encoding="utf-8"))["rules"][0]

    @property
    def meta(self) -> Mapping:
        """The catalog rule's metadata (`fix`, `do`, `dont`, `cwe`, ...)."""
        return self.rule.get("metadata", {})

    @property
    def extractor(self) -> Callable | None:
        """`extractor(tree, function_name, line) -> Construct | None` (see `models.feedback.mining`)."""
        return resolve(self.extractor_ref) if self.extractor_ref else None

    @property
    def anchor(self) -> Callable | None:
        """`anchor(scope, line) -> int | None`: where the defect starts in the crashing function."""
        return resolve(self.anchor_ref) if self.anchor_ref else None


@dataclass(frozen=True, eq=False)
class Registry:
    """The declared classes in catalog order (`position`); a read-only mapping by id."""

    folder: Path
    classes: tuple[FailureClass, ...]

    def __iter__(self) -> Iterator[FailureClass]:
        return iter(self.classes)

    def __len__(self) -> int:
        return len(self.classes)

    def __contains__(self, cls: object) -> bool:
        return cls in self.by_id

    def __getitem__(self, cls: str) -> FailureClass:
        return self.by_id[cls]

    def get(self, cls: str) -> FailureClass | None:
        return self.by_id.get(cls)

    @cached_property
    def by_id(self) -> Mapping[str, FailureClass]:
        return MappingProxyType({c.id: c for c in self.classes})

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.classes)

    @cached_property
    def classify_rules(self) -> tuple[ClassifyRule, ...]:
        """Every class's clustering rules, in evaluation order."""
        return tuple(sorted((r for c in self.classes for r in c.classify), key=lambda r: r.order))

    @cached_property
    def ruff_code_class(self) -> Mapping[str, str]:
        """Shipped built-in ruff code -> its class."""
        return MappingProxyType({code: c.id for c in self.classes for code in c.ruff_codes})


def resolve(ref: str) -> Callable:
    """The function named by `module:function`."""
    module, _, name = ref.partition(":")
    fn = getattr(importlib.import_module(module), name, None)
    if not callable(fn):
        raise RegistryError(f"{ref!r} does not name a function")
    return fn


def _strings(value, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RegistryError(f"{where}: expected a list of strings")
    return tuple(value)


def _table(value, where: str) -> Mapping[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise RegistryError(f"{where}: expected a table of strings")
    return MappingProxyType(dict(value))


def _declaration(path: Path) -> FailureClass:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: {exc}") from None
    cls = path.stem
    if data.get("id") != cls:
        raise RegistryError(f"{path}: id {data.get('id')!r} is not the file name {cls!r}")
    unknown = set(data) - _KEYS
    if unknown:
        raise RegistryError(f"{path}: unknown keys {sorted(unknown)}")
    if not isinstance(data.get("title"), str) or not data["title"]:
        raise RegistryError(f"{path}: no title")
    if not isinstance(data.get("position"), int):
        raise RegistryError(f"{path}: no position (its row in ANCHORS.md §6)")
    mining = data.get("mining", {})
    if set(mining) - _MINING_KEYS:
        raise RegistryError(f"{path}: unknown [mining] keys {sorted(set(mining) - _MINING_KEYS)}")
    rules = []
    for i, r in enumerate(data.get("classify", [])):
        rid = r.get("id", f"#{i}")
        if set(r) - _CLASSIFY_KEYS:
            raise RegistryError(f"{path}: classify rule {rid}: unknown keys {sorted(set(r) - _CLASSIFY_KEYS)}")
        if not isinstance(r.get("order"), int):
            raise RegistryError(f"{path}: classify rule {rid} has no order")
        conditions = {k: _strings(r.get(k, []), f"{path}: classify rule {rid}: {k}")
                      for k in ("types", "message", "code", "not_code")}
        rules.append(ClassifyRule(rid, cls, r["order"], **conditions))
    if not rules:
        raise RegistryError(f"{path}: no [[classify]] rule: clustering could never assign {cls}")
    return FailureClass(
        id=cls,
        title=data["title"],
        position=data["position"],
        antecedent=bool(data.get("antecedent", False)),
        ruff_codes=_strings(data.get("ruff_codes", []), f"{path}: ruff_codes"),
        ruff_left_out=_table(data.get("ruff_left_out", {}), f"{path}: ruff_left_out"),
        banned_apis=_table(data.get("banned_apis", {}), f"{path}: banned_apis"),
        extractor_ref=mining.get("extractor"),
        anchor_ref=mining.get("anchor"),
        classify=tuple(rules),
        rule_path=path.with_suffix(".yaml"),
        examples_path=path.with_suffix(".py"),
    )


def _check_parts(fc: FailureClass) -> None:
    for part in (fc.rule_path, fc.examples_path):
        if not part.is_file():
            raise RegistryError(f"class {fc.id}: {part.name} is missing (every class has {', '.join(PARTS)})")
    try:
        rule = fc.rule
    except (yaml.YAMLError, KeyError, IndexError, TypeError) as exc:
        raise RegistryError(f"{fc.rule_path}: not a semgrep rule file: {exc}") from None
    if rule.get("id") != fc.rule_id or rule.get("metadata", {}).get("hindsight-class") != fc.id:
        raise RegistryError(f"{fc.rule_path}: the rule id must be {fc.rule_id} and metadata.hindsight-class {fc.id}")


@lru_cache(maxsize=8)
def load_registry(folder: Path = REGISTRY_DIR) -> Registry:
    """The validated registry in `folder` (`RegistryError` naming the file and what is wrong)."""
    folder = Path(folder)
    classes = [_declaration(p) for p in sorted(folder.glob("*.toml"))]
    ids = {c.id for c in classes}
    for p in sorted(folder.iterdir()):
        if p.name.startswith((".", "__")):
            continue
        if p.suffix not in PARTS or p.stem not in ids:
            raise RegistryError(f"{p}: belongs to no declared class (a class is {'/'.join('<id>' + s for s in PARTS)})")
    if UNKNOWN in ids:
        raise RegistryError(f"{folder}: {UNKNOWN!r} is the class of what no rule recognises; it is not declared")
    for c in classes:
        _check_parts(c)
    for kind, seen in (("position", [c.position for c in classes]),
                       ("classify order", [r.order for c in classes for r in c.classify]),
                       ("classify id", [r.id for c in classes for r in c.classify]),
                       ("ruff code", [code for c in classes for code in [*c.ruff_codes, *c.ruff_left_out]])):
        twice = sorted({x for x in seen if seen.count(x) > 1})
        if twice:
            raise RegistryError(f"{folder}: {kind} declared twice: {twice}")
    return Registry(folder, tuple(sorted(classes, key=lambda c: c.position)))


def registry() -> Registry:
    """The project's registry (`REGISTRY_DIR`, read at call time so a test can point it elsewhere)."""
    return load_registry(REGISTRY_DIR)
