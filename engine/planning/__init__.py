"""Plans built from forecasts: versions, overrides, approvals and tracking (see ARCHITECTURE.md)."""
