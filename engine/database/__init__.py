"""The application database: plans, overrides, approvals, price lists, audit, actuals, saved
scenarios and run status, through SQLAlchemy 2 with Alembic migrations applied on open.

Only training, serving and this package import it (an import-linter contract). Domain logic
stays pure in engine/<domain>; the repository modules here read and write rows around it.
"""
