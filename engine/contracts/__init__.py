"""Data contracts: one validation path for the CLI, the training jobs and the API."""

from engine.contracts.columns import ColumnMapping, apply_column_mapping, parse_column_mapping
from engine.contracts.leads import LeadTable, validate_leads
from engine.contracts.readers import read_table
from engine.contracts.sales import SalesHistory, series_id, validate_sales

__all__ = [
    "ColumnMapping",
    "LeadTable",
    "SalesHistory",
    "apply_column_mapping",
    "parse_column_mapping",
    "read_table",
    "series_id",
    "validate_leads",
    "validate_sales",
]
