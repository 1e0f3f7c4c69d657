"""Fixtures of the dashboard tests (built in dash_world.py)."""

from dash_world import empty_warehouse, samples_world, snapshot_con, use_warehouse, world, world_counts  # noqa: F401
