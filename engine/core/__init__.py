"""Shared core of every domain: settings, errors, calendar, contracts, files, series, families."""
