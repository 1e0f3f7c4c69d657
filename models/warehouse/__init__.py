"""The DuckDB warehouse: where every stage reads its inputs and writes its outputs."""

from models.warehouse.connection import (
    SQL_DIR,
    connect,
    default_warehouse_path,
    ensure_schema,
    read_sql,
    run_sql_file,
)
from models.warehouse.literal import sql_literal
from models.warehouse.unit_of_work import NestedUnitOfWork, execute, registered, unit_of_work

__all__ = [
    "SQL_DIR",
    "NestedUnitOfWork",
    "connect",
    "default_warehouse_path",
    "ensure_schema",
    "execute",
    "read_sql",
    "registered",
    "run_sql_file",
    "sql_literal",
    "unit_of_work",
]
