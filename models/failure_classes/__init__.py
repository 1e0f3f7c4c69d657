"""The failure-class registry (ANCHORS.md §6): one declaration per class, read by every stage.

    registry() -> Registry            the project's classes, in catalog order
    load_registry(folder) -> Registry another folder of declarations (validated the same way)
"""

from models.failure_classes.load import (
    REGISTRY_DIR,
    UNKNOWN,
    ClassifyRule,
    FailureClass,
    Registry,
    RegistryError,
    load_registry,
    registry,
)

__all__ = [
    "REGISTRY_DIR",
    "UNKNOWN",
    "ClassifyRule",
    "FailureClass",
    "Registry",
    "RegistryError",
    "load_registry",
    "registry",
]
