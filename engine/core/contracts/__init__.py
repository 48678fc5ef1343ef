"""Data contracts: one validation path for the CLI, the training jobs and the API."""

from engine.core.contracts.columns import (
    ColumnMapping,
    ColumnSpec,
    apply_column_mapping,
    parse_column_mapping,
    parse_column_spec,
)
from engine.core.contracts.dates import DateFormats, parse_date_formats
from engine.core.contracts.findings import Finding, Findings
from engine.core.contracts.leads import LeadTable, validate_events, validate_leads
from engine.core.contracts.readers import SalesFile, as_sales_file, read_sales, read_table
from engine.core.contracts.sales import SalesHistory, validate_sales

__all__ = [
    "ColumnMapping",
    "ColumnSpec",
    "DateFormats",
    "Finding",
    "Findings",
    "LeadTable",
    "SalesFile",
    "SalesHistory",
    "apply_column_mapping",
    "as_sales_file",
    "parse_column_mapping",
    "parse_column_spec",
    "parse_date_formats",
    "read_sales",
    "read_table",
    "validate_events",
    "validate_leads",
    "validate_sales",
]
