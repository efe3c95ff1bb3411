"""The ``staffml`` command line: drill, mock, progress, search, show, export/import, check, site."""

from __future__ import annotations

import json
import random
import sys
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import click
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from . import progress as progress_mod
from .bank import Bank, BankError, LoadedQuestion, book_titles, ratio_wording_problems
from .checks import CheckError
from .schema import AREA_TITLES, LEVEL_ORDER, TRACK_TITLES, Area, Level, Track
from .scheduling import RATING_KEYS, RATING_NAMES
from .store import MockAnswer, Review, Store, StoreError
from .timed_input import LineReader

Clock = Callable[[], datetime]
MINUTES_PER_QUESTION = 9


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


class Context:
    """Lazily opened bank and store, plus the clock (tests inject a fake one through ``obj``)."""

    def __init__(self, questions: Path | None, db: Path | None, clock: Clock):
        self._questions, self._db, self.clock = questions, db, clock
        self._bank: Bank | None = None
        self._store: Store | None = None

    @property
    def bank(self) -> Bank:
        """The questions that load cleanly; files with problems are named on stderr and skipped."""
        if self._bank is None:
            try:
                self._bank = Bank(self._questions, strict=False)
            except BankError as exc:
                raise click.ClickException(str(exc)) from exc
            if self._bank.problems:
                click.echo(
                    f"Skipping {len(self._bank.skipped_files)} question file(s) with problems "
                    f"(`staffml check` fails until they are fixed):", err=True)
                for problem in self._bank.problems:
                    click.echo(f"  {problem}", err=True)
        return self._bank

    def strict_bank(self) -> Bank:
        """Every file must be valid (check, site)."""
        try:
            return Bank(self._questions)
        except BankError as exc:
            raise click.ClickException(str(exc)) from exc

    @property
    def store(self) -> Store:
        if self._store is None:
            try:
                self._store = Store(self._db)
            except StoreError as exc:
                raise click.ClickException(str(exc)) from exc
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def _console() -> Console:
    return Console(highlight=False, soft_wrap=False)


TRACK_CHOICE = click.Choice([t.value for t in Track])
AREA_CHOICE = click.Choice([a.value for a in Area])
LEVEL_CHOICE = click.Choice([lvl.value for lvl in Level])


@click.group()
@click.option("--questions", type=click.Path(path_type=Path, file_okay=False), envvar="STAFFML_QUESTIONS",
              help="Question bank folder (default: interviews/questions).")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), envvar="STAFFML_DB",
              help="Progress database (default: progress.sqlite3 in the user data dir or $STAFFML_DATA_DIR).")
@click.pass_context
def cli(ctx: click.Context, questions: Path | None, db: Path | None) -> None:
    """StaffML: verified ML-systems interview practice."""
    clock = (ctx.obj or {}).get("clock", system_clock) if isinstance(ctx.obj, dict) else system_clock
    ctx.obj = Context(questions, db, clock)
    ctx.call_on_close(ctx.obj.close)


# ----- rendering ------------------------------------------------------------------------------

def _meta(lq: LoadedQuestion) -> str:
    q = lq.question
    chain = f" · chain {q.chain.id} step {q.chain.step}" if q.chain else ""
    return f"{q.id} · {TRACK_TITLES[q.track]} · {AREA_TITLES[q.area]} · {q.level.value}{chain}"


def _scenario_panel(lq: LoadedQuestion) -> Panel:
    return Panel(Text(lq.text("scenario")), title=Text(lq.text("title"), style="bold"),
                 subtitle=Text(_meta(lq), style="dim"), title_align="left")


def _bullets(items: list[str]) -> Text:
    return Text("\n".join(f"• {item}" for item in items))


def _answer_panels(lq: LoadedQuestion, console: Console) -> None:
    console.print(Panel(_bullets(lq.items("strong_answer")), title="A strong answer covers", title_align="left",
                        border_style="green"))
    console.print(Panel(Text(lq.text("solution")), title="Worked solution", title_align="left", border_style="cyan"))
    console.print(Panel(_bullets(lq.items("common_mistakes")), title="Common mistakes", title_align="left",
                        border_style="red"))
    console.print(Panel(_bullets(lq.items("follow_ups")), title="Follow-ups", title_align="left",
                        border_style="magenta"))
    if lq.question.sources:
        console.print(Panel(_bullets([f"{name}: {text}" for name, text in lq.question.sources.items()]),
                            title="Sources", title_align="left", border_style="dim"))
    titles = book_titles()
    links = ", ".join([*(titles.chapter(c) for c in lq.question.chapters),
                       *(f"§ {titles.section(s)}" for s in lq.question.sections)])
    links += f" · Lab: {titles.lab(lq.question.lab)}" if lq.question.lab else ""
    console.print(Text(f"Read more: {links}", style="dim"))


def _ask_rating(prompt: str) -> int | None:
    while True:
        answer = click.prompt(prompt, default="", show_default=False).strip().lower()
        if answer in ("q", "quit"):
            return None
        if answer in RATING_KEYS:
            return RATING_KEYS[answer]
        click.echo("Type 1/a (Again), 2/h (Hard), 3/g (Good), 4/e (Easy), or q to stop.")


def _human_delta(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"


# ----- drill ----------------------------------------------------------------------------------

def drill_queue(bank: Bank, store: Store, now: datetime, track=None, area=None, level=None) -> list[LoadedQuestion]:
    """Due questions first (oldest due first), then questions never seen (easiest level first, areas mixed)."""
    pool = {lq.question.id: lq for lq in bank.filter(track, area, level)}
    cards = store.cards()
    due = [pool[qid] for qid in store.due_ids(now) if qid in pool]
    # crc32 gives a fixed, area-mixing order within each level (the same one every session)
    new = sorted((lq for qid, lq in pool.items() if qid not in cards),
                 key=lambda lq: (LEVEL_ORDER[lq.question.level], zlib.crc32(lq.question.id.encode())))
    return due + new


@cli.command()
@click.option("--track", type=TRACK_CHOICE)
@click.option("--area", type=AREA_CHOICE)
@click.option("--level", type=LEVEL_CHOICE)
@click.option("--count", default=10, show_default=True, type=click.IntRange(1, 500), help="Questions this session.")
@click.pass_obj
def drill(obj: Context, track, area, level, count) -> None:
    """Drill due questions first (FSRS schedule), then new ones; self-grade each answer."""
    console = _console()
    now = obj.clock()
    queue = drill_queue(obj.bank, obj.store, now, track, area, level)[:count]
    if not queue:
        upcoming = [qid for qid in obj.store.cards() if qid in obj.bank]
        if upcoming:
            next_due = min(obj.store.cards()[q].due for q in upcoming)
            console.print(f"Nothing due. Next review in {_human_delta(next_due - now)} ({next_due:%Y-%m-%d %H:%M} UTC).")
        else:
            console.print("No questions match those filters.")
        return
    done = 0
    for index, lq in enumerate(queue, 1):
        console.rule(f"Question {index}/{len(queue)}")
        console.print(_scenario_panel(lq))
        shown_at = obj.clock()
        reply = click.prompt("Work it out, then press Enter to reveal the answer (q to stop)", default="",
                             show_default=False)
        if reply.strip().lower() in ("q", "quit"):
            break
        _answer_panels(lq, console)
        rating = _ask_rating("Grade yourself: 1 Again · 2 Hard · 3 Good · 4 Easy (q to stop)")
        if rating is None:
            break
        graded_at = obj.clock()
        obj.store.record_review(Review(lq.question.id, rating, graded_at, "drill",
                                       (graded_at - shown_at).total_seconds()))
        card = obj.store.cards()[lq.question.id]
        console.print(f"{RATING_NAMES[rating]} — next review of {lq.question.id} in "
                      f"{_human_delta(card.due - graded_at)} ({card.due:%Y-%m-%d %H:%M} UTC).")
        done += 1
    console.print(f"Session over: {done} question(s) graded.")


# ----- mock -----------------------------------------------------------------------------------

def pick_mock_questions(bank: Bank, minutes: float, track: str | None, rng: random.Random) -> list[LoadedQuestion]:
    """A mixed interview: distinct areas, rising level, a system-design case last when time allows."""
    count = max(1, int(minutes // MINUTES_PER_QUESTION))
    pool = bank.filter(track=track)
    design = [lq for lq in pool if lq.question.area == Area.system_design]
    others = [lq for lq in pool if lq.question.area != Area.system_design]
    rng.shuffle(others)
    chosen, areas = [], set()
    want_design = count >= 3 and design
    for lq in others:
        if len(chosen) >= count - (1 if want_design else 0):
            break
        if lq.question.area not in areas:
            chosen.append(lq)
            areas.add(lq.question.area)
    chosen.sort(key=lambda lq: LEVEL_ORDER[lq.question.level])
    if want_design:
        chosen.append(rng.choice(design))
    return chosen


def _clock_text(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.999))  # 00:01 until the last second is over, then 00:00
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


class Countdown:
    """The per-question clock. On a terminal it redraws itself every second on the line above the
    cursor (the notes being typed stay where they are); elsewhere it prints after each line."""

    def __init__(self, live: bool):
        self.live = live
        self.lines_below = 0

    def start(self, remaining: float) -> None:
        click.echo(self._text(remaining))
        self.lines_below = 0

    def tick(self, remaining: float) -> None:
        if self.live:
            # save cursor, go up to the clock line, rewrite it, restore cursor
            up = self.lines_below + 1
            sys.stdout.write(f"\0337\033[{up}A\r\033[2K{self._text(remaining)}\0338")
            sys.stdout.flush()

    def line_entered(self, remaining: float) -> None:
        if self.live:
            self.lines_below += 1
        else:
            click.echo(self._text(remaining))

    @staticmethod
    def _text(remaining: float) -> str:
        return f"⏱ {_clock_text(remaining)} left for this question · type notes, an empty line ends the answer"


def _read_rating(reader: LineReader, prompt: str) -> int | None:
    while True:
        click.echo(f"{prompt} ", nl=False)
        try:
            answer = (reader.read() or "").strip().lower()
        except EOFError:
            click.echo()
            return None
        if answer in ("q", "quit", "s", "skip"):
            return None
        if answer in RATING_KEYS:
            return RATING_KEYS[answer]
        click.echo("Type 1/a (Again), 2/h (Hard), 3/g (Good), 4/e (Easy), or q to leave it unscored.")


@cli.command()
@click.option("--minutes", default=45.0, show_default=True, type=click.FloatRange(0.1, 240),
              help="Length of the interview; each question gets an equal share.")
@click.option("--track", type=TRACK_CHOICE)
@click.option("--seed", type=int, help="Pick the same questions again (default: random).")
@click.pass_obj
def mock(obj: Context, minutes: float, track, seed) -> None:
    """A timed mixed interview: a live countdown per question, then self-score against the rubric."""
    console = _console()
    rng = random.Random(seed)
    questions = pick_mock_questions(obj.bank, minutes, track, rng)
    if not questions:
        raise click.ClickException("no questions match that track")
    per_question_s = minutes * 60 / len(questions)
    reader = LineReader(sys.stdin)
    countdown = Countdown(live=sys.stdout.isatty())
    started = obj.clock()
    console.print(f"Mock interview: {len(questions)} question(s), {minutes:g} minutes, "
                  f"{_clock_text(per_question_s)} per question. When a question's clock reaches zero the "
                  "interview moves on. Type your notes; an empty line ends your answer.")
    asked: list[MockAnswer] = []
    for index, lq in enumerate(questions, 1):
        console.rule(f"Question {index}/{len(questions)}")
        console.print(_scenario_panel(lq))
        asked_at = obj.clock()
        lines: list[str] = []
        timed_out = False
        countdown.start(per_question_s)
        while True:
            now = obj.clock()
            remaining = per_question_s - (now - asked_at).total_seconds()
            if remaining <= 0:
                timed_out = True
                break
            try:
                line = reader.read(timeout=min(1.0, remaining))
            except EOFError:
                break
            now = obj.clock()
            remaining = per_question_s - (now - asked_at).total_seconds()
            if line is None:
                countdown.tick(remaining)
                continue
            if not line.strip():
                break
            lines.append(line)
            if remaining <= 0:
                timed_out = True
                break
            countdown.line_entered(remaining)
        elapsed = min(per_question_s, (obj.clock() - asked_at).total_seconds())
        if timed_out:
            console.print(f"[bold red]⏱ Time is up for question {index}.[/] Moving on.")
        asked.append(MockAnswer(lq.question.id, "\n".join(lines), None, elapsed, timed_out))
    console.rule("Review")
    answers: list[MockAnswer] = []
    for answer, lq in zip(asked, questions):
        console.print(_scenario_panel(lq))
        status = " (time ran out)" if answer.timed_out else ""
        console.print(Panel(Text(answer.notes or "(no answer written)"), title=f"Your notes{status}",
                            title_align="left"))
        _answer_panels(lq, console)
        score = None
        if answer.notes.strip():
            score = _read_rating(reader, "Self-score against the rubric: 1 Again · 2 Hard · 3 Good · 4 Easy "
                                         "(q leaves it unscored)")
        else:
            console.print("No answer was written: not counted as answered and not scored.")
        answers.append(MockAnswer(answer.question_id, answer.notes, score, answer.elapsed_s, answer.timed_out))
    finished = obj.clock()
    session_id = obj.store.record_mock(started, finished, minutes, track, answers)
    answered = [a for a in answers if a.answered]
    mean = (f", mean self-score {sum(a.self_score for a in answered) / len(answered):.1f}/4" if answered else "")
    timed = sum(a.timed_out for a in answers)
    console.print(f"Saved mock session #{session_id}: answered {len(answered)} of {len(questions)} question(s) "
                  f"(notes written and self-scored){mean}; {timed} ran out of time.")
    table = Table(title="Time per question")
    for column in ("question", "time", "outcome"):
        table.add_column(column)
    for a in answers:
        outcome = ("answered" if a.answered else "no answer" if not a.notes.strip() else "unscored") + \
            (" · time ran out" if a.timed_out else "")
        table.add_row(a.question_id, _clock_text(a.elapsed_s), outcome)
    console.print(table)


# ----- progress, search, show -----------------------------------------------------------------

def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def progress(obj: Context, as_json: bool) -> None:
    """Seen, retention and due counts per area and level; streak; weakest areas."""
    stats = progress_mod.compute(obj.bank, obj.store, obj.clock())
    if as_json:
        click.echo(json.dumps(stats, indent=2))
        return
    console = _console()
    o = stats["overall"]
    console.print(f"Seen {o['seen']}/{o['total']} · due {o['due']} · retention {_pct(o['retention'])} · "
                  f"recall {_pct(o['recall_rate'])} · streak {stats['streak_days']} day(s) · "
                  f"mock sessions {stats['mock_sessions']}")
    track_titles = {t.value: title for t, title in TRACK_TITLES.items()}
    area_titles = {a.value: t for a, t in AREA_TITLES.items()}
    for label, rows, titles in (("Track", stats["by_track"], track_titles), ("Area", stats["by_area"], area_titles),
                                ("Level", stats["by_level"], {lvl.value: lvl.value for lvl in Level})):
        table = Table(title=f"By {label.lower()}")
        for column in (label, "Seen", "Due", "Retention", "Recall", "Last 7 days", "Trend"):
            table.add_column(column, justify="left" if column == label else "right")
        for key, row in rows.items():
            table.add_row(titles[key], f"{row['seen']}/{row['total']}", str(row["due"]),
                          _pct(row["retention"]), _pct(row["recall_rate"]), _pct(row["recall_last_7d"]),
                          _trend(row["trend"]))
        console.print(table)
    weeks = [w for w in stats["weekly"] if w["reviews"]]
    if weeks:
        console.print("Weekly recall: " + " → ".join(
            f"{w['week_ending']} {_pct(w['recall_rate'])} ({w['reviews']})" for w in stats["weekly"] if w["reviews"]))
    if stats["mock_history"]:
        console.print("Mock interviews: " + " → ".join(
            f"{m['answered']}/{m['asked']}" + (f" @ {m['mean_score']:.1f}" if m["mean_score"] is not None else "")
            for m in stats["mock_history"]))
    if stats["weakest_areas"]:
        weakest = ", ".join(f"{w['title']} ({_pct(w['retention'])})" for w in stats["weakest_areas"])
        console.print(f"Weakest areas: {weakest}")
    else:
        console.print(f"Weakest area: not yet; it needs {stats['min_reviews_for_weakest']} reviews in an area "
                      f"(most so far: {stats['most_reviews_in_an_area']}).")


def _trend(delta: float | None) -> str:
    if delta is None:
        return "–"
    arrow = "↑" if delta > 0.005 else "↓" if delta < -0.005 else "→"
    return f"{arrow} {delta * 100:+.0f} pts"


@cli.command()
@click.argument("text", nargs=-1, required=True)
@click.pass_obj
def search(obj: Context, text: tuple[str, ...]) -> None:
    """Find questions whose id, title, scenario or answer contains every word of TEXT."""
    hits = obj.bank.search(" ".join(text))
    console = _console()
    if not hits:
        console.print(f"No question matches {' '.join(text)!r}.")
        sys.exit(1)
    table = Table(title=f"{len(hits)} match(es)")
    for column in ("id", "track", "area", "level", "title"):
        table.add_column(column)
    for lq in hits:
        q = lq.question
        table.add_row(q.id, q.track.value, q.area.value, q.level.value, Text(lq.text("title")))
    console.print(table)


@cli.command()
@click.argument("question_id")
@click.option("--no-answer", is_flag=True, help="Show only the scenario.")
@click.pass_obj
def show(obj: Context, question_id: str, no_answer: bool) -> None:
    """Show one question with its worked answer."""
    try:
        lq = obj.bank.get(question_id)
    except KeyError as exc:
        raise click.ClickException(exc.args[0]) from exc
    console = _console()
    console.print(_scenario_panel(lq))
    if not no_answer:
        _answer_panels(lq, console)
    if lq.question.chain:
        steps = sorted((m for m in obj.bank if m.question.chain and m.question.chain.id == lq.question.chain.id),
                       key=lambda m: m.question.chain.step)
        lines = [f"{'→' if m.question.id == lq.question.id else ' '} step {m.question.chain.step}: "
                 f"{m.question.id} · {m.text('title')}" for m in steps]
        console.print(Panel(Text("\n".join(lines)), title=f"Chain {lq.question.chain.id}", title_align="left"))


# ----- export / import ------------------------------------------------------------------------

@cli.command("export")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="File (default: stdout).")
@click.pass_obj
def export_cmd(obj: Context, output: Path | None) -> None:
    """Write all progress (reviews, mock sessions) as JSON, for moving machines."""
    text = json.dumps(obj.store.export(), indent=1)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"Exported progress to {output}", err=True)
    else:
        click.echo(text)


@cli.command("import")
@click.argument("source", type=click.File("rb"))
@click.pass_obj
def import_cmd(obj: Context, source) -> None:
    """Merge a JSON export into this machine's progress (safe to repeat)."""
    raw = source.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(
            f"{source.name} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}), so it is "
            f"not a staffml export; pass the JSON file written by `staffml export -o progress.json`"
        ) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{source.name} is not JSON ({exc}); pass a file made by `staffml export`") from exc
    try:
        reviews, sessions = obj.store.import_(data)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Imported {reviews} new review(s) and {sessions} mock session(s).")
    ids = [r["question_id"] for r in data["reviews"]]
    ids += [a["question_id"] for s in data["mock_sessions"] for a in s.get("answers", [])]
    unknown = sorted({qid for qid in ids if qid not in obj.bank})
    if unknown:
        count = sum(1 for qid in ids if qid in set(unknown))
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        click.echo(
            f"Note: {count} imported record(s) refer to {len(unknown)} question id(s) not in this bank: {shown}. "
            f"They are kept (and count again if those questions return) but do not appear in drill or progress; "
            f"update the bank (git pull) or check the export came from staffml.", err=True)


# ----- authoring ------------------------------------------------------------------------------

@cli.command()
@click.pass_obj
def check(obj: Context) -> None:
    """Validate the bank and recompute every napkin-math check."""
    bank = obj.strict_bank()
    failures = []
    total = 0
    for lq in bank:
        try:
            _, results = lq.evaluation
        except CheckError as exc:
            failures.append(str(exc))
            continue
        total += len(results)
        failures.extend(f"{lq.path}: {r.describe()}" for r in results if not r.ok)
        failures.extend(ratio_wording_problems(lq))
    if failures:
        raise click.ClickException(f"{len(failures)} check(s) failed:\n" + "\n".join(failures))
    click.echo(f"{len(bank)} questions, {total} checks: all within tolerance.")


@cli.command()
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Output folder, e.g. build/site/interviews.")
@click.pass_obj
def site(obj: Context, out: Path) -> None:
    """Generate the playbook pages (browse views, questions JSON, practice mode)."""
    from .site import build_site

    written = build_site(obj.strict_bank(), out)
    click.echo(f"Wrote {len(written)} files to {out}")


def main() -> None:
    cli(prog_name="staffml")


if __name__ == "__main__":
    main()
