"""The `lodestar` command line: one module of commands per domain, the app in `app`."""
