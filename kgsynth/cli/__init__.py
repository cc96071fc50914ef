"""The Typer command-line interface: thin commands that build settings and call stages."""
