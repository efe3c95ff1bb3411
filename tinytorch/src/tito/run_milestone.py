"""`python -m tito.run_milestone PATH [--quick]`: run one milestone and exit 0 only if it met its target."""
import sys
from pathlib import Path

from tito.milestones import load_milestone


def main(argv: list[str]) -> int:
    if not argv:
        sys.stderr.write("usage: python -m tito.run_milestone PATH [--quick]\n")
        return 2
    milestone = load_milestone(Path(argv[0]))
    quick = "--quick" in argv[1:]
    print(f"== {milestone.TITLE} ({milestone.YEAR}) — target: {milestone.TARGET}{' [quick budget]' if quick else ''}")
    result = milestone.run(quick=quick, log=print)
    for key, value in result.items():
        print(f"   {key}: {value:.4f}" if isinstance(value, float) else f"   {key}: {value}")
    print("== target reached" if result["passed"] else "== target NOT reached")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
