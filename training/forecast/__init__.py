"""Sales-forecast training: candidates, rolling-origin backtests, selection, reconciliation."""
