"""Dagster definitions of the attribution stage (assets, checks, sensors, schedules)."""

assets: list = []
asset_checks: list = []
sensors: list = []
schedules: list = []
jobs: list = []
