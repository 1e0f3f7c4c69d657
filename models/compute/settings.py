"""Settings of the compute layer: the `[compute]` section, typed and checked with the others in
`models/settings.py` (this module names them for the compute package)."""

from __future__ import annotations

from models.errors import ToolError
from models.settings import COMPUTE_MODES as MODES
from models.settings import ComputeSettings

__all__ = ["MODES", "ComputeError", "ComputeSettings"]


class ComputeError(ToolError, RuntimeError):
    """The compute cluster failed the run (unreachable scheduler, workers lost past Dask's retries);
    nothing of the affected files was committed."""

    hint = 'start the Dask scheduler and workers, or set [compute] mode = "local"'
