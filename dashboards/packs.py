"""Rule-pack downloads: find the pack directory recorded in `core.rule_packs.path` and zip it in memory."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

MAX_PACK_BYTES = 50 * 1024 * 1024  # a pack is configs + SARIF; refuse to zip anything absurdly large


def resolve_pack_dir(recorded: str | None) -> Path | None:
    """The pack directory on this machine: absolute as recorded, else relative to the config file, else the cwd."""
    if not recorded:
        return None
    path = Path(recorded)
    candidates = [path] if path.is_absolute() else []
    if not path.is_absolute():
        from dashboards.settings import settings_or_none

        config = settings_or_none()
        if config and config.file:
            candidates.append(config.file.parent / path)
        candidates.append(Path.cwd() / path)
    return next((c for c in candidates if c.is_dir()), None)


def zip_directory(directory: Path) -> bytes:
    """Zip every regular file under `directory` (paths relative to its parent, so the zip holds `<version>/...`)."""
    buf = io.BytesIO()
    total = 0
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(directory.rglob("*")):
            if not file.is_file() or file.is_symlink():
                continue
            total += file.stat().st_size
            if total > MAX_PACK_BYTES:
                raise ValueError(f"rule pack {directory} is larger than {MAX_PACK_BYTES} bytes")
            zf.write(file, file.relative_to(directory.parent).as_posix())
    return buf.getvalue()


def read_pack_file(pack_dir: Path, relative: str, max_bytes: int = 5 * 1024 * 1024) -> str | None:
    """Text of one file of the pack (`relative` as listed in its manifest); None when it is not a regular file
    inside the pack directory or is too large. The caller only passes names listed in the manifest."""
    root = pack_dir.resolve()
    if (root / relative).is_symlink():
        return None
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file() or path.stat().st_size > max_bytes:
        return None
    return path.read_text(encoding="utf-8", errors="replace")
