"""The one way the code finds a data file it reads at run time: SQL, rule catalogs, schemas, TOML, the
dashboard's pages.

Data files ship inside the packages (pyproject.toml's package-data; `sql/` ships as `models.sql`), so
`importlib.resources` finds them alike in a source checkout, an editable install and an installed wheel.
Nothing builds a path from `__file__`.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def package_path(package: str, *parts: str) -> Path:
    """The file or folder `parts` inside the installed `package`, as a filesystem path.

    pip installs a package as a folder, so this is a real path that may be globbed or handed to a tool
    (streamlit, semgrep). A package imported from a zip archive has none: that is refused with a clear
    error rather than half-read.
    """
    path = files(package).joinpath(*parts)
    if not isinstance(path, Path):
        raise FileNotFoundError(f"{package} is not installed as a folder ({path}); reinstall it with pip")
    return path
