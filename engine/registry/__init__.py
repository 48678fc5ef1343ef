"""The MLflow model registry: runs, versions, the champion alias, promotion and rollback."""
