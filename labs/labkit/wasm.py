"""Build the labs that run in the reader's browser: one Pyodide runtime and one package index for all labs.

Everything comes from package registries and the repository, so the built site needs nothing from
outside itself:

- the runtime (``pyodide.asm.wasm``, ``python_stdlib.zip`` and its loaders) from the npm ``pyodide``
  package, at the version marimo's frontend pins;
- marimo and the labs' other dependencies as pure-Python wheels from PyPI (``msgspec`` publishes a
  Pyodide wheel there); PyYAML as a pure-Python wheel built from its sdist;
- wheels of ``mlsysim`` and of the labs package (``labkit`` with ``labs.yml`` inside) built from the
  repository at site-build time.

The output folder (``build/site/labs/`` for ``make site-labs``) receives::

    wasm/pyodide/             the runtime, shared by every lab
    wasm/packages/*.whl       every wheel, shared
    wasm/pyodide-lock.json    Pyodide's lockfile describing exactly those wheels
    wasm/index/<name>/        a PEP 503 page per wheel, so micropip never asks PyPI
    assets/                   marimo's frontend, shared, with labkit's worker controller
                              (wasm_controller.mjs: a bytecode cache kept in the reader's browser)
    <lab>.app.html            the marimo WebAssembly app of each lab
    <lab>.qmd                 the lab's site page: the app inside the site shell, with a loading
                              indicator and a fallback when WebAssembly is unavailable

Downloads are cached in ``.cache/labs-wasm/`` so a rebuild works offline. Run:
``python -m labkit.wasm --out build/site/labs [--only lab,lab]``.
"""
from __future__ import annotations

import asyncio
import email.parser
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import click

from labkit.catalog import CATALOG_PATH, LabInfo, load_catalog

LABS_DIR = Path(__file__).resolve().parent.parent
REPO = LABS_DIR.parent
CACHE = REPO / ".cache" / "labs-wasm"
RUNTIME_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
# pure-Python wheels (and msgspec's Pyodide wheel) that marimo's WebAssembly kernel and the labs import;
# marimo-base itself is pinned to the installed marimo so the frontend and the kernel match
PYPI_WHEELS = (
    "micropip==0.11.1", "msgspec==0.23.0", "packaging==26.1", "markdown==3.11.3", "pymdown-extensions==13.1.2",
    "narwhals==2.18.1", "pygments==2.20.0", "jedi==0.19.2", "parso==0.8.7", "tomlkit==0.15.2",
    "itsdangerous==2.2.0", "python-multipart==0.0.34", "pyodide-http==0.2.2",
)
PYYAML = "pyyaml==6.0.3"  # no Pyodide wheel on PyPI: built from the sdist without its C extension
APP_SUFFIX = ".app.html"
# labkit's controller for marimo's WebAssembly worker (see its header): copied next to marimo's assets
CONTROLLER = Path(__file__).resolve().parent / "wasm_controller.mjs"
CONTROLLER_ASSET = "labkit-controller.mjs"
# marimo's worker imports a page's own controller from the site root; the labs live under /labs/, so the
# import is pointed at the controller beside the worker
_CONTROLLER_IMPORT = re.compile(r"import\(`/wasm/controller\.js\?version=\$\{(\w+)\}`\)")


class WasmBuildError(RuntimeError):
    """A step of the browser-lab build failed; the message names the step and the fix."""


def _run(command: list[str], what: str, **kwargs) -> None:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise WasmBuildError(f"{what} failed ({' '.join(command[:6])} …):\n{(done.stderr or done.stdout)[-2000:]}")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# ---- the runtime ------------------------------------------------------------------------------------

def pyodide_version() -> str:
    """The Pyodide version marimo's frontend loads (``marimo`` pins it)."""
    from marimo._pyodide.pyodide_constraints import PYODIDE_VERSION

    return PYODIDE_VERSION


def fetch_runtime(cache: Path = CACHE) -> Path:
    """Unpack the npm ``pyodide`` package into the cache; returns the folder holding the runtime files."""
    version = pyodide_version()
    target = cache / f"pyodide-{version}"
    if all((target / name).is_file() for name in RUNTIME_FILES + ("pyodide-lock.json",)):
        return target
    if shutil.which("npm") is None:
        raise WasmBuildError("npm is needed once to fetch the Pyodide runtime (the npm `pyodide` package); "
                             "install Node.js/npm or copy an unpacked pyodide package to " + str(target))
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        _run(["npm", "pack", f"pyodide@{version}", "--pack-destination", tmp], "npm pack pyodide", cwd=tmp)
        (tarball,) = Path(tmp).glob("pyodide-*.tgz")
        with tarfile.open(tarball) as archive:
            archive.extractall(tmp, filter="data")
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(Path(tmp) / "package", target)
    return target


# ---- the wheels -------------------------------------------------------------------------------------

def _lock_info(runtime: Path) -> dict:
    return json.loads((runtime / "pyodide-lock.json").read_text(encoding="utf-8"))["info"]


def fetch_pypi_wheels(info: dict, cache: Path = CACHE) -> list[Path]:
    """Wheels for Pyodide's platform (pure-Python, or built for its ABI) from PyPI, cached."""
    import marimo

    folder = cache / "wheels"
    folder.mkdir(parents=True, exist_ok=True)
    wanted = [*PYPI_WHEELS, f"marimo-base=={marimo.__version__}"]

    def have(requirement: str) -> Path | None:
        name, version = requirement.split("==")
        stem = f"{_canonical(name).replace('-', '_')}-{version}-"
        return next((p for p in folder.glob("*.whl") if p.name.lower().startswith(stem)), None)

    missing = [r for r in wanted if have(r) is None]
    if missing:
        major, minor = info["python"].split(".")[:2]
        _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
              "--platform", f"pyemscripten_{info['abi_version']}_{info['arch']}", "--platform", "any",
              "--python-version", f"{major}.{minor}", "--implementation", "cp", "--abi", f"cp{major}{minor}",
              "--abi", "none", "-d", str(folder), *missing], "downloading wheels from PyPI")
    if have(PYYAML) is None:
        _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-cache-dir", "--no-binary", "pyyaml",
              "-w", str(folder), PYYAML], "building PyYAML's pure-Python wheel",
             env=dict(os.environ, PYYAML_FORCE_LIBYAML="0"))
    wheels = [have(r) for r in [*wanted, PYYAML]]
    impure = [w.name for w in wheels if w.name.endswith("linux_x86_64.whl")]
    if impure:
        raise WasmBuildError(f"{', '.join(impure)} are built for this machine, not for Pyodide; delete them from {folder}")
    return wheels


def build_repo_wheels(out: Path) -> list[Path]:
    """Wheels of mlsysim and of the labs package, built from the working tree (labs.yml packed inside)."""
    out.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out),
          str(REPO / "mlsysim")], "building the mlsysim wheel")
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp) / "labs"
        stage.mkdir()
        shutil.copy2(LABS_DIR / "pyproject.toml", stage / "pyproject.toml")
        shutil.copytree(LABS_DIR / "labkit", stage / "labkit", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(CATALOG_PATH, stage / "labkit" / "labs.yml")
        _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out),
              str(stage)], "building the labs (labkit) wheel")
    return sorted(out.glob("mlsysim-*.whl")) + sorted(out.glob("mlsysbook_labs-*.whl"))


# Folders inside a wheel that a lab never reads, emptied in the copy the site serves (every start-up wheel
# is downloaded on a lab's first visit). marimo imports jedi at start-up only for the recursion limit jedi
# sets as a side effect (marimo._runtime.patches.patch_recursion_limit); jedi's bundled typeshed and Django
# stubs are type information for code completion, which the labs' code-hidden run-mode apps never
# request. The stubs of the Python 3 standard library stay (jedi cannot infer builtins without them);
# those of Python 2, of third-party packages and of Django are emptied.
UNUSED_IN_BROWSER = {"jedi": ("jedi/third_party/typeshed/stdlib/2/", "jedi/third_party/typeshed/third_party/",
                              "jedi/third_party/django-stubs/")}


def slim_wheel(wheel: Path, target: Path) -> Path:
    """Copy ``wheel`` to ``target`` with the folders UNUSED_IN_BROWSER names for it emptied (RECORD to match)."""
    emptied = UNUSED_IN_BROWSER.get(_canonical(wheel.name.split("-")[0]), ())
    if not emptied:
        shutil.copy2(wheel, target)
        return target
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for folder in emptied:
            out.writestr(zipfile.ZipInfo(folder), b"")
        for item in source.infolist():
            if item.filename.startswith(emptied):
                continue
            data = source.read(item)
            if item.filename.endswith(".dist-info/RECORD"):
                data = "".join(line for line in data.decode("utf-8").splitlines(keepends=True)
                               if not line.startswith(emptied)).encode("utf-8")
            out.writestr(item, data)
    return target


# ---- the lockfile -----------------------------------------------------------------------------------

def _environment(info: dict) -> dict[str, str]:
    return {"sys_platform": "emscripten", "platform_system": "Emscripten", "os_name": "posix",
            "platform_machine": info["arch"], "implementation_name": "cpython",
            "platform_python_implementation": "CPython", "python_version": ".".join(info["python"].split(".")[:2]),
            "python_full_version": info["python"], "implementation_version": info["python"], "extra": ""}


def wheel_entry(wheel: Path, info: dict, file_prefix: str) -> tuple[dict, list[str]]:
    """A pyodide-lock.json entry for ``wheel`` and its dependencies under Pyodide's environment markers."""
    from packaging.requirements import Requirement

    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(archive.read(meta_name).decode("utf-8"))
        top_level = next((n for n in names if n.endswith(".dist-info/top_level.txt")), None)
        imports = (archive.read(top_level).decode().split() if top_level else
                   sorted({n.split("/")[0].removesuffix(".py") for n in names
                           if not n.split("/")[0].endswith((".dist-info", ".data"))}))
    environment = _environment(info)
    depends = []
    for value in meta.get_all("Requires-Dist") or []:
        requirement = Requirement(value)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            depends.append(_canonical(requirement.name))
    entry = {
        "name": _canonical(meta["Name"]), "version": meta["Version"], "file_name": file_prefix + wheel.name,
        "install_dir": "site", "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(), "package_type": "package",
        "imports": [i for i in imports if i.isidentifier()], "depends": [], "unvendored_tests": False,
    }
    return entry, depends


# Requirements a distribution declares that the browser gets another way or never imports (None: left
# out). Every wheel in the lockfile is downloaded on a lab's first visit, so each one left out here is
# bytes a reader does not wait for; the browser tests boot the labs without them, so a lab that starts
# importing one fails there.
NOT_IN_BROWSER: dict[str, dict[str, str | None]] = {
    # marimo is marimo-base in the browser; NumPy/scikit-learn only train the quantization lab's classifier
    # offline (the lab ships the results); click drives labkit's build and benchmark commands
    "mlsysbook-labs": {"marimo": "marimo-base", "numpy": None, "scikit-learn": None, "click": None},
    # click and rich serve only `mlsysim.cli`, the command line
    "mlsysim": {"click": None, "rich": None},
    # docutils renders reStructuredText docstrings for the editor's hover help (marimo._utils.rst_to_html);
    # the labs are exported code-hidden in run mode, which has no editor. marimo's worker asks for
    # `import docutils` at start-up, which Pyodide skips when the lockfile has no such package.
    "marimo-base": {"docutils": None},
}


def write_lockfile(wheels: list[Path], info: dict, path: Path, file_prefix: str) -> dict:
    packages, wanted = {}, {}
    for wheel in wheels:
        entry, depends = wheel_entry(wheel, info, file_prefix)
        packages[entry["name"]] = entry
        wanted[entry["name"]] = depends
    for name, depends in wanted.items():
        resolved = []
        for dependency in depends:
            dependency = NOT_IN_BROWSER.get(name, {}).get(dependency, dependency)
            if dependency is None:
                continue
            if dependency not in packages:
                raise WasmBuildError(f"{name} needs {dependency} in Pyodide but no wheel for it is bundled; add it "
                                     "to PYPI_WHEELS in labs/labkit/wasm.py")
            resolved.append(dependency)
        packages[name]["depends"] = sorted(set(resolved))
    lock = {"info": info, "packages": dict(sorted(packages.items()))}
    path.write_text(json.dumps(lock, indent=1), encoding="utf-8")
    return lock


def write_simple_index(wheels: list[Path], index: Path, packages_rel: str) -> None:
    """PEP 503 pages, so a micropip install of a bundled package never leaves the site."""
    for wheel in wheels:
        name = _canonical(wheel.name.split("-")[0])
        page = index / name / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f'<!doctype html><a href="{packages_rel}{wheel.name}">{html.escape(wheel.name)}</a>\n',
                        encoding="utf-8")


# ---- the pages --------------------------------------------------------------------------------------

_IMAGE_PRELOAD = re.compile(r'<link rel="preload" href="[^"]+" as="image" />\s*')


def export_app(lab_id: str, out_dir: Path) -> Path:
    """marimo's WebAssembly export of one lab (run mode, code hidden), pointed at the bundled runtime."""
    from marimo._export.file import export_wasm
    from marimo._export.requests import WASMFileExportRequest
    from marimo._schemas.export_options import WASMExportOptions, WASMRuntimeConfig
    from marimo._utils.marimo_path import MarimoPath

    runtime = WASMRuntimeConfig(pyodide_index_url="./wasm/pyodide/", pyodide_lockfile_url="./wasm/pyodide-lock.json",
                                pypi_index_url="./wasm/index/")
    result = asyncio.run(export_wasm(WASMFileExportRequest(
        path=MarimoPath(str(LABS_DIR / f"{lab_id}.py")),
        options=WASMExportOptions(mode="run", show_code=False, runtime=runtime))))
    if result.did_error:
        raise WasmBuildError(f"marimo could not export labs/{lab_id}.py to WebAssembly; run `marimo check` on it")
    page = result.contents if isinstance(result.contents, str) else result.contents.decode("utf-8")
    # links inside the app (the chapter link in the lab header) open in the whole window, not the frame;
    # marimo's light-theme success/badge text colour (--grass-11, #2a7e3b on #daf1db: 4.24:1) falls short of
    # WCAG AA's 4.5:1 for its "made with marimo" badge, so it is darkened to 5.5:1 (5.0:1 on hover)
    # the flag makes marimo's worker load labkit's controller (CONTROLLER) instead of its built-in one
    page = page.replace("<head>", '<head><base target="_top">'
                        "<style>:root,.light,.light-theme{--grass-11:#1f6b30}</style>"
                        "<script>window.__MARIMO_HAS_WASM_CONTROLLER__=true</script>", 1)
    # marimo's page preloads two background images (0.4 MB) for the screen it shows when it loses its server;
    # a WebAssembly app has no server to lose (Chromium warns "preloaded but not used"), and the stylesheet
    # still names them, so a view that does show them loads them then
    page = _IMAGE_PRELOAD.sub("", page)
    target = out_dir / f"{lab_id}{APP_SUFFIX}"
    target.write_text(page, encoding="utf-8")
    return target


def lab_page(info: LabInfo) -> str:
    """The lab's site page: title, back-link, goal, the app in a frame, a loading indicator and a fallback."""
    app = f"{info.lab_id}{APP_SUFFIX}"
    command = f"marimo run labs/{info.lab_id}.py"
    return f"""---
title: "{info.title.replace('"', "'")}"
---

[← {info.chapter_title}]({info.chapter_href}) · {info.goal}

```{{=html}}
<div class="lab-island" data-lab="{info.lab_id}">
  <div class="lab-loading" role="status" aria-live="polite">
    <p><strong>Starting Python in your browser.</strong> <span class="lab-elapsed"></span></p>
    <ol>
      <li>Download the Python runtime (Pyodide, about 13 MB, kept in your browser's cache for the other labs).</li>
      <li>Install marimo, MLSys·im and the lab helpers from this site.</li>
      <li>Run the lab; the controls appear when every cell has run.</li>
    </ol>
    <p class="lab-stage">Nothing leaves your browser: the lab computes locally.</p>
  </div>
  <div class="lab-fallback" hidden>
    <p><strong>This browser cannot run the lab here</strong> (it needs WebAssembly and JavaScript).
    Run it on your machine instead, from a clone of the repository (see <a href="running.html">Running the labs</a>):</p>
    <pre><code>make venv
.venv/bin/{html.escape(command)}</code></pre>
  </div>
  <noscript><p>This lab needs JavaScript. Run it locally: <code>{html.escape(command)}</code>
  (<a href="running.html">how</a>).</p></noscript>
  <iframe class="lab-frame" title="{html.escape(info.title)}: interactive lab" data-src="{app}" loading="eager"
          style="width:100%;border:0;min-height:40rem;display:block"></iframe>
</div>
<script src="lab-island.js"></script>
```
"""


ISLAND_JS = r"""// Runs each lab's marimo app in its frame: shows what happens while Python boots, sizes the frame to
// its content, follows the site's light/dark theme, and falls back to `marimo run` without WebAssembly.
(function () {
  document.querySelectorAll(".lab-island").forEach(function (island) {
    var frame = island.querySelector(".lab-frame");
    var loading = island.querySelector(".lab-loading");
    var fallback = island.querySelector(".lab-fallback");
    var elapsed = island.querySelector(".lab-elapsed");
    if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") {
      frame.remove(); loading.hidden = true; fallback.hidden = false; return;
    }
    var started = Date.now();
    function find(root, selector) {
      // marimo draws its widgets inside shadow roots, so look through them
      var hit = root.querySelector(selector);
      if (hit) return hit;
      var all = root.querySelectorAll("*");
      for (var i = 0; i < all.length; i++) {
        if (all[i].shadowRoot && (hit = find(all[i].shadowRoot, selector))) return hit;
      }
      return null;
    }
    function dark() {
      var root = document.documentElement, body = document.body;
      var marks = [root.dataset.theme, root.dataset.bsTheme, body && body.dataset.theme].join(" ");
      if (/dark/.test(marks) || (body && /quarto-dark|dark/.test(body.className))) return true;
      if (/light/.test(marks)) return false;
      return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    }
    // marimo reads its theme from the app URL's `theme` parameter when the app starts, so the frame opens
    // in the reader's theme; a later toggle sets the body classes and data-theme that marimo's own theme
    // provider sets (its stylesheet keys on them), so the open lab follows without restarting Python
    frame.src = frame.dataset.src + "?theme=" + (dark() ? "dark" : "light");
    function tick() {
      var doc;
      try { doc = frame.contentDocument; } catch (e) { doc = null; }
      if (doc && doc.body) {
        var isDark = dark(), theme = isDark ? "dark" : "light";
        if (doc.body.dataset.theme && doc.body.dataset.theme !== theme) {
          doc.body.classList.remove("dark", "dark-theme", "light", "light-theme");
          doc.body.classList.add(theme, theme + "-theme");
          doc.body.dataset.theme = theme;
        }
        var ready = find(doc, "marimo-slider, marimo-dropdown, marimo-switch, marimo-radio");
        if (ready && !island.dataset.ready) {
          island.dataset.ready = String((Date.now() - started) / 1000);
          loading.hidden = true;
        }
        var height = doc.documentElement.scrollHeight;
        if (ready && height > 200) frame.style.height = height + "px";
      }
      if (!island.dataset.ready && elapsed) elapsed.textContent = Math.round((Date.now() - started) / 1000) + " s";
    }
    setInterval(tick, 250);
  });
})();
"""


def write_pages(wanted: list[str], out_dir: Path) -> None:
    catalog = load_catalog()
    (out_dir / "lab-island.js").write_text(ISLAND_JS, encoding="utf-8")
    for lab_id in wanted:
        (out_dir / f"{lab_id}.qmd").write_text(lab_page(catalog[lab_id]), encoding="utf-8")


def build(out_dir: Path, wanted: list[str], cache: Path = CACHE, echo=print) -> dict:
    """The whole browser-lab build; returns sizes for the report."""
    runtime = fetch_runtime(cache)
    info = _lock_info(runtime)
    wasm = out_dir / "wasm"
    shutil.rmtree(wasm, ignore_errors=True)
    (wasm / "pyodide").mkdir(parents=True)
    for name in RUNTIME_FILES:
        shutil.copy2(runtime / name, wasm / "pyodide" / name)
    packages = wasm / "packages"
    packages.mkdir()
    wheels = [slim_wheel(w, packages / w.name) for w in fetch_pypi_wheels(info, cache)]
    wheels += build_repo_wheels(packages)
    write_lockfile(wheels, info, wasm / "pyodide-lock.json", file_prefix="../packages/")
    write_simple_index(wheels, wasm / "index", packages_rel="../../packages/")
    echo(f"  runtime: Pyodide {pyodide_version()} from npm; {len(wheels)} wheels")
    _export_assets(out_dir)
    for lab_id in wanted:
        export_app(lab_id, out_dir)
    write_pages(wanted, out_dir)
    return {"runtime_bytes": sum(f.stat().st_size for f in (wasm / "pyodide").iterdir()),
            "package_bytes": sum(w.stat().st_size for w in wheels)}


def _export_assets(out_dir: Path) -> None:
    from marimo._export.exporter import Exporter

    Exporter().export_assets(out_dir)
    # marimo also writes a note for coding agents next to its assets; it is not part of the site
    (out_dir / "CLAUDE.md").unlink(missing_ok=True)
    install_controller(out_dir / "assets")


def install_controller(assets: Path) -> None:
    """Put labkit's worker controller beside marimo's worker and point the worker's controller import at it."""
    patched = 0
    for worker in assets.glob("*worker*.js"):
        text = worker.read_text(encoding="utf-8")
        new = _CONTROLLER_IMPORT.sub(lambda m: f"import(`./{CONTROLLER_ASSET}?version=${{{m.group(1)}}}`)", text)
        if new != text:
            worker.write_text(new, encoding="utf-8")
            patched += 1
    if patched == 0:
        raise WasmBuildError(f"marimo's worker in {assets} no longer imports /wasm/controller.js; the labs' bytecode "
                             "cache (labs/labkit/wasm_controller.mjs) needs the new way marimo loads a page's controller")
    shutil.copy2(CONTROLLER, assets / CONTROLLER_ASSET)


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder that receives the lab pages and the shared runtime (the site copies it to _site/labs/).")
@click.option("--only", default="", help="Comma-separated lab ids (default: every lab in labs.yml).")
def main(out_dir: Path, only: str) -> None:
    catalog = load_catalog()
    wanted = [x.strip() for x in only.split(",") if x.strip()] or list(catalog)
    unknown = [x for x in wanted if x not in catalog]
    if unknown:
        raise click.BadParameter(f"unknown lab(s) {', '.join(unknown)}; known: {', '.join(catalog)}", param_hint="--only")
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        sizes = build(out_dir, wanted, echo=click.echo)
    except WasmBuildError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"built {len(wanted)} browser labs in {out_dir}: runtime {sizes['runtime_bytes'] / 1e6:.1f} MB, "
               f"packages {sizes['package_bytes'] / 1e6:.1f} MB, shared by every lab")


if __name__ == "__main__":
    main()
