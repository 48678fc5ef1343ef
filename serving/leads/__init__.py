"""Lead scoring and pipeline routes and their schemas."""
