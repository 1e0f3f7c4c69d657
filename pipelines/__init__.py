"""Dagster definitions: thin shells that schedule the analytical core in `models/` against the warehouse."""
