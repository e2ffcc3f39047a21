"""The ``trackbench`` entry point: builds the typer app from the command modules and owns the one error handler."""

from __future__ import annotations

import importlib
import os
import sys

import typer
from rich.console import Console

from trackbench import __version__
from trackbench.errors import TrackbenchError

# Each module defines ``register(app)``; the order is the order of ``trackbench --help``.
COMMAND_MODULES = (
    "trackbench.cli.demo",
    "trackbench.cli.convert",
    "trackbench.cli.run",
    "trackbench.cli.track",
    "trackbench.cli.eval.command",
    "trackbench.cli.leaderboard",
    "trackbench.cli.compare",
    "trackbench.cli.report",
)


# Options that take several values after one flag (``--metrics HOTA MOTA IDF1``), as the docs write them.
MULTI_VALUE_OPTIONS = frozenset({"--metrics", "--results", "--detectors", "--chunks", "--split", "--set", "--sequences",
                                 "--classes"})


def expand_multi_value_options(argv: list[str]) -> list[str]:
    """Rewrite ``--opt a b c`` into ``--opt a --opt b --opt c`` for the options above (click takes one value
    per flag); a value stops at the next token that starts with ``-``."""
    out: list[str] = []
    current: str | None = None
    for token in argv:
        if token.startswith("-"):
            current = token if token in MULTI_VALUE_OPTIONS else None
            out.append(token)
            continue
        if current is not None and out and out[-1] != current:
            out.append(current)
        out.append(token)
    return out


def _version(value: bool) -> None:
    if value:
        typer.echo(f"trackbench {__version__}")
        raise typer.Exit()


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="trackbench",
        help="Convert, run and score video-tracking benchmarks; numbers identical to the official evaluators.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
    ) -> None:
        """trackbench: convert, run, eval, leaderboard."""

    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:  # a command group not built yet is simply absent
            if exc.name == module_name:
                continue
            raise
        module.register(app)
    return app


def one_openblas_thread() -> None:
    """numpy's and scipy's OpenBLAS start a thread pool per core when they load, and its threads spin at full
    speed for about a tenth of a second each (0.2 s of CPU on every command here); nothing trackbench does is a
    BLAS call big enough to use them (the neural models run on torch's own MKL). A value the user set wins."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors become one line on stderr and exit code 2, never a traceback."""
    one_openblas_thread()  # before any command imports numpy
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    app = build_app()
    given = list(sys.argv[1:] if argv is None else argv)
    try:  # the command line as given rides along in ctx.obj (`run` repeats it in its resume hint)
        result = app(args=expand_multi_value_options(given), prog_name="trackbench", standalone_mode=False,
                     obj={"argv": given})
    except TrackbenchError as exc:
        err.print(f"[bold red]error:[/] {exc}", markup=True)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err.print("aborted")
        return 130
    except typer.TyperException as exc:  # usage errors: bad option, missing value
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err.print(f"[bold red]error:[/] {exc.format_message()}")
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
