"""Data contracts: one validation path for the CLI, the training jobs and the API."""

from engine.core.contracts.columns import ColumnMapping, apply_column_mapping, parse_column_mapping
from engine.core.contracts.leads import LeadTable, validate_leads
from engine.core.contracts.readers import read_sales, read_table
from engine.core.contracts.sales import SalesHistory, validate_sales

__all__ = [
    "ColumnMapping",
    "LeadTable",
    "SalesHistory",
    "apply_column_mapping",
    "parse_column_mapping",
    "read_table",
    "validate_leads",
    "read_sales",
    "validate_sales",
]
