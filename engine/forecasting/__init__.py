"""Sales forecasting: backtests, per-series selection, reconciliation and quarterly answers."""
