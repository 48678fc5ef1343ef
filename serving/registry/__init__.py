"""Data scientists' routes: champions and challengers, promotion, rollback, training runs."""
