"""Planners' forecast routes and their schemas."""
