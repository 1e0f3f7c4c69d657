"""The DuckDB warehouse: where every stage reads its inputs and writes its outputs."""

from models.warehouse.connection import (
    SQL_DIR,
    connect,
    default_warehouse_path,
    ensure_schema,
    read_sql,
    run_sql_file,
)

__all__ = ["SQL_DIR", "connect", "default_warehouse_path", "ensure_schema", "read_sql", "run_sql_file"]
