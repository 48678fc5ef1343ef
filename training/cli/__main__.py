"""`python -m training.cli ...` runs the `lodestar` command."""

from training.cli.app import main

main()
