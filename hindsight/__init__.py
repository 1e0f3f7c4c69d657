"""Hindsight's command-line shell (`hindsight ...`). The work itself lives in `models/` and `pipelines/`."""
