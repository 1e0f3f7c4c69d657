"""Dagster definitions of the history stage (assets, checks, sensors, schedules)."""

assets: list = []
asset_checks: list = []
sensors: list = []
schedules: list = []
jobs: list = []
