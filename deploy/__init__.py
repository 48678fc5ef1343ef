"""Deployment: the team topology defined once, rendered to compose.yaml and started in tests."""
