"""Plan routes (see ARCHITECTURE.md)."""
