"""Commands of the credentials domain."""

import typer

app = typer.Typer(no_args_is_help=True)
