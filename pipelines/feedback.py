"""Dagster definitions of the feedback stage (assets, checks, sensors, schedules)."""

assets: list = []
asset_checks: list = []
sensors: list = []
schedules: list = []
jobs: list = []
