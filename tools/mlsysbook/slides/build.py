"""Compile decks with latexmk (pdflatex), two at a time, and check every log.

A deck is built through a one-line wrapper that defines \\mlsystheme and inputs the deck, so
the same source compiles in any theme. A build fails on LaTeX errors, on overfull boxes wider
than OVERFULL_LIMIT_PT and on missing figures. Each (deck, theme) keeps a hash of everything
it reads; an unchanged deck is not recompiled.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

THEMES = ("crimson", "midnight", "minimal", "nature")
DEFAULT_THEME = "crimson"
OVERFULL_LIMIT_PT = 10.0
REPO_ROOT = Path(__file__).resolve().parents[3]
SLIDES_DIR = REPO_ROOT / "instructors" / "slides"
THEME_DIR = SLIDES_DIR / "themes"
VOLUMES = ("vol1", "vol2")

_OVERFULL = re.compile(r"^Overfull \\[hv]box \((\d+(?:\.\d+)?)pt too (?:wide|high)\)(.*)$", re.M)
_MISSING = re.compile(r"(?:LaTeX Error: File `([^']+)' not found"
                      r"|File `([^']+)' not found"
                      r"|Package pdftex\.def Error: File `([^']+)' not found)")
# With -file-line-error an error starts "path:line: message"; without a file, "! message".
_ERROR = re.compile(r"^(?:! |(\S+\.(?:tex|sty|cfg)):(\d+): )(.*)$", re.M)
_CONTEXT_LINE = re.compile(r"^l\.(\d+) (.*)$", re.M)
MNUM = re.compile(r"\\mnum\{([^}]*)\}")
HANDOUT_LABEL = re.compile(r"label=(handout-[\w-]+)")
VARIANTS = ("slides", "notes", "handout")
# TeX wraps log lines at 79 characters, which cut error messages in half; these keep lines whole.
TEX_LOG_ENV = {"max_print_line": "100000", "error_line": "254", "half_error_line": "238"}


class SlideBuildError(RuntimeError):
    """A deck failed to build; the message names the deck, the problem and the log."""


@dataclass(frozen=True)
class Deck:
    volume: str       # "vol1" | "vol2"
    number: int       # chapter number within the volume, from the book's _quarto.yml order
    slug: str         # chapter slug, e.g. "training"
    source: Path

    @property
    def name(self) -> str:
        """Deck id used for PDFs and links: vol1-training."""
        return f"{self.volume}-{self.slug}"


def chapter_slugs(volume: str) -> list[str]:
    """Chapter slugs of a volume in book order, read from book/<volume>/_quarto.yml."""
    import yaml

    config = yaml.safe_load((REPO_ROOT / "book" / volume / "_quarto.yml").read_text())
    slugs: list[str] = []

    def walk(entries):
        for entry in entries:
            if isinstance(entry, dict):
                walk(entry.get("chapters", []))
            elif isinstance(entry, str) and "/" in entry:
                slugs.append(entry.split("/")[0])

    walk(config["book"]["chapters"])
    return slugs


def discover_decks(volumes=VOLUMES) -> list[Deck]:
    decks = []
    for volume in volumes:
        for number, slug in enumerate(chapter_slugs(volume), start=1):
            source = SLIDES_DIR / volume / f"{slug}.tex"
            if not source.exists():
                raise SlideBuildError(f"chapter {volume}/{slug} has no deck: write {source.relative_to(REPO_ROOT)}")
            decks.append(Deck(volume, number, slug, source))
    return decks


def select_decks(decks: list[Deck], names: list[str] | None) -> list[Deck]:
    if not names:
        return decks
    by_name = {d.name: d for d in decks}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise SlideBuildError(f"unknown deck(s) {', '.join(unknown)}; valid: {', '.join(sorted(by_name))}")
    return [by_name[n] for n in names]


def check_theme(theme: str) -> str:
    if theme not in THEMES:
        raise SlideBuildError(f"unknown theme {theme!r}; choose one of {', '.join(THEMES)}")
    return theme


def _error_text(log_text: str, match: re.Match) -> str:
    """One LaTeX error, whole: its message, TeX's context up to `l.N`, and the source line it names."""
    path, line, message = match.group(1), match.group(2), match.group(3).strip()
    # TeX prints what it was reading on the next few lines, ending with "l.N <text>".
    context = []
    for extra in log_text[match.end():].lstrip("\n").splitlines()[:8]:
        if not extra.strip() or extra.startswith(("Here is how much", "!  ==>")) or _ERROR.match(extra):
            break
        context.append(" ".join(extra.split()))
        if extra.startswith("l."):
            break
    text = f"LaTeX error: {message}"
    if context:
        text += "\n      " + " ".join(context)
    if path and line:
        text += f"\n      at {Path(path).name}:{line}"
        source = Path(path)
        if source.is_file():
            lines = source.read_text(errors="replace").splitlines()
            number = int(line)
            if 0 < number <= len(lines):
                text += f": {lines[number - 1].strip()}"
                # Beamer reads a frame whole, so TeX names the frame's last line; find the line that
                # holds the command TeX was reading when it stopped.
                culprit = re.search(r"<recently read> (\\[A-Za-z@]+)", " ".join(context))
                for back in range(number - 1, max(0, number - 80), -1):
                    if culprit and culprit.group(1) in lines[back - 1] and back != number:
                        text += f"\n      {culprit.group(1)} is at {source.name}:{back}: {lines[back - 1].strip()}"
                        break
    return text


def check_log(log_text: str, label: str, log_path: Path) -> None:
    """Raise SlideBuildError for LaTeX errors, missing files and overfull boxes over the limit."""
    problems = []
    for match in _MISSING.finditer(log_text):
        problems.append(f"missing figure or file {next(g for g in match.groups() if g)}")
    for match in _ERROR.finditer(log_text):
        if "==> Fatal error occurred" not in match.group(3):  # TeX's sign-off, not a cause
            problems.append(_error_text(log_text, match))
    for match in _OVERFULL.finditer(log_text):
        amount = float(match.group(1))
        if amount > OVERFULL_LIMIT_PT:
            problems.append(f"overfull box {amount:.1f}pt > {OVERFULL_LIMIT_PT:g}pt{match.group(2).rstrip()}")
    if problems:
        unique = list(dict.fromkeys(problems))
        raise SlideBuildError(f"{label}: " + "\n  ".join(unique[:8]) + f"\n  (log: {log_path})")


def defined_numbers(assets_dir: Path) -> list[str]:
    """The \\mnum keys the generated mlsysnumbers.tex defines."""
    return re.findall(r"mlsysnum@([^\\]+)\\endcsname", (assets_dir / "mlsysnumbers.tex").read_text())


def check_numbers(deck: Deck, assets_dir: Path) -> None:
    """Stop before LaTeX runs when a deck uses an \\mnum key that mlsysnumbers.tex does not define."""
    defined = set(defined_numbers(assets_dir))
    unknown = []
    for number, line in enumerate(deck.source.read_text().splitlines(), start=1):
        unknown += [f"`{key}' (line {number})" for key in MNUM.findall(line)
                    if key not in defined and "\\" not in key]  # a macro-built key is left to LaTeX
    if unknown:
        raise SlideBuildError(f"{deck.name}: unknown mlsysim number key(s) {', '.join(unknown)} in "
                              f"{deck.source}; "
                              "register each in tools/mlsysbook/slides/assets.py")


@contextlib.contextmanager
def locked(folder: Path):
    """Hold an exclusive lock on folder, so two builds (say `make site` and `make slides`) do not interleave."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _hash_inputs(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


# A figure from build/instructors/assets, named in \\figureframe[notes]{title}{name}{caption},
# \\mlsysfig[options]{name} or \\includegraphics[options]{name}.
FIGURE_REF = re.compile(r"\\(?:figureframe(?:\[(?:[^][]|\[[^]]*\])*\])?\{[^}]*\}"
                        r"|(?:mlsysfig|includegraphics)(?:\[[^]]*\])?)\{([^}]+)\}")
DARK_SUFFIX = "-dark"


def figure_files(source_text: str, assets_dir: Path) -> list[Path]:
    """The asset PDFs a deck source shows, with their dark (midnight) variants where they exist."""
    files = []
    for name in dict.fromkeys(FIGURE_REF.findall(source_text)):
        files += [f for f in (assets_dir / f"{name}.pdf", assets_dir / f"{name}{DARK_SUFFIX}.pdf") if f.exists()]
    return files


def deck_inputs(deck: Deck, assets_dir: Path, theme_dir: Path = THEME_DIR) -> list[Path]:
    """Every file a deck reads: its source, the deck package and themes, the numbers, its figures."""
    return [deck.source, *sorted(theme_dir.glob("*.sty")), assets_dir / "mlsysnumbers.tex",
            *figure_files(deck.source.read_text(), assets_dir)]


def _latexmk() -> str:
    exe = shutil.which("latexmk")
    if exe is None:
        raise SlideBuildError("latexmk not found: run `make slides` (installs texlive via tools/ensure-apt.sh) "
                              "or `apt-get install latexmk texlive-latex-recommended texlive-latex-extra "
                              "texlive-fonts-recommended lmodern`")
    return exe


def texinputs(*dirs: Path) -> str:
    # Trailing empty entry keeps TeX's default search path after ours.
    return os.pathsep.join(str(d) for d in dirs) + os.pathsep


@dataclass
class BuildResult:
    deck: Deck
    theme: str
    pdf: Path
    rebuilt: bool
    variant: str = "slides"

    @property
    def log(self) -> Path:
        return self.pdf.with_suffix(".log")


def job_name(deck: Deck, variant: str) -> str:
    return deck.name if variant == "slides" else f"{deck.name}-{variant}"


def _wrapper(deck: Deck, theme: str, variant: str) -> str:
    lines = [f"\\def\\mlsystheme{{{theme}}}", f"\\def\\mlsysvariant{{{variant}}}"]
    if variant == "handout":
        labels = list(dict.fromkeys(HANDOUT_LABEL.findall(deck.source.read_text())))
        if not labels:
            raise SlideBuildError(f"{deck.name}: no handout frames; label the frames the handout shows "
                                  "[label=handout-<name>] (at most 8 fit on its page)")
        lines += ["\\PassOptionsToClass{handout}{beamer}", f"\\def\\mlsyshandoutframes{{{','.join(labels)}}}"]
    return "".join(lines) + f"\\input{{{deck.source.resolve().as_posix()}}}\n"


def build_one(deck: Deck, theme: str, out_dir: Path, assets_dir: Path, variant: str = "slides",
              theme_dir: Path = THEME_DIR) -> BuildResult:
    """Compile one deck in one theme and variant; skip it when nothing it reads has changed.

    A rebuild first removes the previous PDF, and a failed one removes latexmk's database too, so a
    failure never leaves an old PDF that looks current, and the next build starts clean.
    """
    if variant not in VARIANTS:
        raise SlideBuildError(f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    work = out_dir.resolve() / theme
    assets_dir = assets_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    job = job_name(deck, variant)
    pdf = work / f"{job}.pdf"
    stamp = work / f"{job}.inputs"
    fingerprint = _hash_inputs(deck_inputs(deck, assets_dir, theme_dir)) + theme + variant
    if pdf.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return BuildResult(deck, theme, pdf, rebuilt=False, variant=variant)
    label = f"{job} [{theme}]"
    generated = [pdf, stamp, work / f"{job}.fdb_latexmk"]
    for stale in generated[:2]:
        stale.unlink(missing_ok=True)
    try:
        check_numbers(deck, assets_dir)
        wrapper = work / f"{job}.tex"
        wrapper.write_text(_wrapper(deck, theme, variant))
        env = dict(os.environ, TEXINPUTS=texinputs(theme_dir, assets_dir, deck.source.parent), **TEX_LOG_ENV)
        cmd = [_latexmk(), "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
               "-quiet", wrapper.name]
        proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
        log = work / f"{job}.log"
        log_text = log.read_text(errors="replace") if log.exists() else ""
        check_log(log_text, label, log)
        if proc.returncode != 0 or not pdf.exists():
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-15:]
            raise SlideBuildError(f"{label}: latexmk failed (exit {proc.returncode}); see {log}\n" + "\n".join(tail))
    except SlideBuildError:
        for stale in generated:
            stale.unlink(missing_ok=True)
        raise
    stamp.write_text(fingerprint)
    return BuildResult(deck, theme, pdf, rebuilt=True, variant=variant)


def build_decks(decks: list[Deck], themes: list[str], out_dir: Path, assets_dir: Path,
                jobs: int = 2, variants: tuple[str, ...] = ("slides",)) -> list[BuildResult]:
    """Build every (deck, theme, variant), `jobs` latexmk processes at a time; raise naming every failure."""
    for theme in themes:
        check_theme(theme)
    triples = [(d, t, v) for t in themes for d in decks for v in variants
               if v != "handout" or HANDOUT_LABEL.search(d.source.read_text())]
    results: list[BuildResult] = []
    failures: list[str] = []
    with locked(out_dir), ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(build_one, d, t, out_dir, assets_dir, v) for d, t, v in triples]
        for future in futures:
            try:
                results.append(future.result())
            except SlideBuildError as err:
                failures.append(str(err))
    if failures:
        raise SlideBuildError(f"{len(failures)} deck build(s) failed, {len(results)} built; "
                              "failed decks have no PDF:\n" + "\n".join(failures))
    return results
