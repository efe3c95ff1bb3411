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
_ERROR = re.compile(r"^(?:!|\S+\.(?:tex|sty|cfg):\d+:) (.*)$", re.M)


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


def check_log(log_text: str, label: str, log_path: Path) -> None:
    """Raise SlideBuildError for LaTeX errors, missing files and overfull boxes over the limit."""
    problems = []
    for match in _MISSING.finditer(log_text):
        problems.append(f"missing figure or file {next(g for g in match.groups() if g)}")
    for match in _ERROR.finditer(log_text):
        problems.append(f"LaTeX error: {match.group(1).strip()}")
    for match in _OVERFULL.finditer(log_text):
        amount = float(match.group(1))
        if amount > OVERFULL_LIMIT_PT:
            problems.append(f"overfull box {amount:.1f}pt > {OVERFULL_LIMIT_PT:g}pt{match.group(2).rstrip()}")
    if problems:
        unique = list(dict.fromkeys(problems))
        raise SlideBuildError(f"{label}: " + "; ".join(unique[:8]) + f" (log: {log_path})")


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


FIGURE_REF = re.compile(r"\\(?:figureframe\{[^}]*\}|includegraphics(?:\[[^]]*\])?)\{([^}]+)\}")


def deck_inputs(deck: Deck, assets_dir: Path) -> list[Path]:
    """Every file a deck reads: its source, the deck package and themes, the numbers, its figures."""
    source = deck.source.read_text()
    figures = [assets_dir / f"{name}.pdf" for name in FIGURE_REF.findall(source)]
    return [deck.source, *sorted(THEME_DIR.glob("*.sty")), assets_dir / "mlsysnumbers.tex",
            *[f for f in figures if f.exists()]]


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


def build_one(deck: Deck, theme: str, out_dir: Path, assets_dir: Path) -> BuildResult:
    work = out_dir.resolve() / theme
    assets_dir = assets_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    job = deck.name
    pdf = work / f"{job}.pdf"
    stamp = work / f"{job}.inputs"
    fingerprint = _hash_inputs(deck_inputs(deck, assets_dir)) + theme
    if pdf.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return BuildResult(deck, theme, pdf, rebuilt=False)
    wrapper = work / f"{job}.tex"
    wrapper.write_text(f"\\def\\mlsystheme{{{theme}}}\\input{{{deck.source.as_posix()}}}\n")
    env = dict(os.environ, TEXINPUTS=texinputs(THEME_DIR, assets_dir, deck.source.parent))
    cmd = [_latexmk(), "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
           "-quiet", wrapper.name]
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
    log = work / f"{job}.log"
    log_text = log.read_text(errors="replace") if log.exists() else ""
    label = f"{deck.name} [{theme}]"
    check_log(log_text, label, log)
    if proc.returncode != 0 or not pdf.exists():
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-15:]
        raise SlideBuildError(f"{label}: latexmk failed (exit {proc.returncode}); see {log}\n" + "\n".join(tail))
    stamp.write_text(fingerprint)
    return BuildResult(deck, theme, pdf, rebuilt=True)


def build_decks(decks: list[Deck], themes: list[str], out_dir: Path, assets_dir: Path,
                jobs: int = 2) -> list[BuildResult]:
    """Build every (deck, theme) pair, `jobs` latexmk processes at a time; raise on the first failures."""
    for theme in themes:
        check_theme(theme)
    pairs = [(d, t) for t in themes for d in decks]
    results: list[BuildResult] = []
    failures: list[str] = []
    with locked(out_dir), ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(build_one, d, t, out_dir, assets_dir) for d, t in pairs]
        for future in futures:
            try:
                results.append(future.result())
            except SlideBuildError as err:
                failures.append(str(err))
    if failures:
        raise SlideBuildError(f"{len(failures)} deck build(s) failed:\n" + "\n".join(failures))
    return results
