"""Hindsight's SQL files, installed as the package `models.sql`; read them through `models.package_data`."""
