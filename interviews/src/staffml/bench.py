"""`make bench-interviews`: timings of the bank, checks, site and store, as ratios to references.

Every row is compared with a reference measured in the same run on the same machine, so the ratios
stay meaningful across machines:

- validating the bank against parsing its YAML alone (the schema's overhead),
- recomputing every check against validating the bank (the engine's share),
- one transaction per review (the durability contract) against all reviews in one transaction.
"""

from __future__ import annotations

import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from .bank import Bank, default_questions_dir
from .site import build_site
from .store import Review, Store, iso

REVIEWS = 300


def _timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _parse_only() -> None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in sorted(default_questions_dir().glob("*/*.yaml")):
        yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


def _recompute_all() -> None:
    for lq in Bank():
        lq.__dict__.pop("evaluation", None)
        _ = lq.evaluation


def _per_review_transactions(folder: Path) -> None:
    path = folder / "per-review.sqlite3"
    path.unlink(missing_ok=True)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with Store(path) as store:
        for i in range(REVIEWS):
            store.record_review(Review(f"q{i % 50}", 1 + i % 4, start + timedelta(seconds=i)))


def _one_transaction(folder: Path) -> None:
    path = folder / "batched.sqlite3"
    path.unlink(missing_ok=True)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with Store(path) as store, store.transaction() as conn:
        conn.executemany(
            "INSERT INTO reviews (question_id, rating, reviewed_at) VALUES (?, ?, ?)",
            [(f"q{i % 50}", 1 + i % 4, iso(start + timedelta(seconds=i))) for i in range(REVIEWS)],
        )


def main() -> None:
    console = Console()
    Bank()  # warm imports (pydantic, mlsysim) so they do not count against the first row
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        parse_s = _timed(_parse_only)
        validate_s = _timed(lambda: Bank())
        recompute_s = _timed(_recompute_all)
        site_s = _timed(lambda: build_site(Bank(), folder / "site"), repeat=2)
        per_review_s = _timed(lambda: _per_review_transactions(folder), repeat=2)
        batched_s = _timed(lambda: _one_transaction(folder), repeat=2)
    rows = [
        ("validate bank (schema, links, placeholders)", validate_s, "parse YAML only", parse_s),
        ("validate + recompute every check", recompute_s, "validate bank", validate_s),
        ("generate playbook site", site_s, "validate + recompute", recompute_s),
        (f"{REVIEWS} reviews, one transaction each", per_review_s, f"{REVIEWS} reviews, one transaction", batched_s),
    ]
    table = Table(title=f"staffml benchmark ({len(Bank())} questions)")
    for column in ("measurement", "seconds", "reference", "ref seconds", "ratio"):
        table.add_column(column, justify="left" if column in ("measurement", "reference") else "right")
    for name, seconds, ref_name, ref_seconds in rows:
        table.add_row(name, f"{seconds:.3f}", ref_name, f"{ref_seconds:.3f}", f"{seconds / ref_seconds:.1f}×")
    console.print(table)


if __name__ == "__main__":
    main()
