"""Command-line interface (Typer). ``clusteratlas.cli.app:main`` is the entry point."""
