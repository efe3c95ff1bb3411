"""Console entry point that reports a missing `course` extra instead of a bare ImportError."""
import sys


def main() -> None:
    try:
        from tito.cli import cli
    except ModuleNotFoundError as error:
        missing = error.name or "a course dependency"
        sys.stderr.write(
            f"tito needs the package '{missing}', which is part of TinyTorch's course extra.\n"
            "Fix: pip install 'tinytorch[course]'  (or `pip install -e ./tinytorch[course]` in the repo)\n"
        )
        raise SystemExit(2) from error
    cli()
