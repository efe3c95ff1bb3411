// The controller marimo's WebAssembly worker runs for the labs (marimo loads a page's own controller when
// the page sets window.__MARIMO_HAS_WASM_CONTROLLER__; labkit.wasm points the worker at this file). It boots
// Python as marimo's built-in controller does, and adds a bytecode cache kept in the reader's browser:
//
// Most of a repeat visit's boot is CPython compiling marimo and the labs' modules from source, because
// Pyodide's file system lives in memory and Python never finds last visit's bytecode. After a session has
// run, this controller compiles every module imported from site-packages (unchecked-hash .pyc, valid for
// exactly these wheels), and stores them in Cache Storage under the SHA-256 of the lockfile, which names
// every wheel's hash. The next visit writes them back before `import marimo`. Nothing is downloaded for
// it, so the first visit's transfer is unchanged; a new build (new lockfile) starts a new cache entry and
// drops the old one. A browser without Cache Storage (a plain-HTTP origin) boots as marimo would.

const CACHE_NAME = "mlsysbook-labs-bytecode";
// compile after the lab's first run has had time to finish, so the modules it imports are included and
// the compiling does not delay the first outputs
const COMPILE_DELAY_MS = 3000;
const NOTEBOOK = "notebook.py";
const HOME = "/marimo";

const boot = (globalThis.labkitBoot = { steps: {}, bytecodeFiles: 0, bytecodeStored: false });
let pyodide = null;
let cacheKey = null;
let cachedPaths = new Set();

async function timed(step, work) {
  const start = performance.now();
  try {
    return await work();
  } finally {
    boot.steps[step] = (boot.steps[step] || 0) + (performance.now() - start) / 1000;
  }
}

async function sha256(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function openCache() {
  return typeof caches === "object" ? caches.open(CACHE_NAME).catch(() => null) : Promise.resolve(null);
}

// one blob: 4-byte header length, a JSON list of [path, size], then the files back to back
function pack(files) {
  const header = new TextEncoder().encode(JSON.stringify(files.map(([path, data]) => [path, data.length])));
  const total = 4 + header.length + files.reduce((sum, [, data]) => sum + data.length, 0);
  const blob = new Uint8Array(total);
  new DataView(blob.buffer).setUint32(0, header.length);
  blob.set(header, 4);
  let at = 4 + header.length;
  for (const [, data] of files) {
    blob.set(data, at);
    at += data.length;
  }
  return blob;
}

function unpack(blob) {
  const length = new DataView(blob.buffer, blob.byteOffset).getUint32(0);
  const entries = JSON.parse(new TextDecoder().decode(blob.subarray(4, 4 + length)));
  let at = 4 + length;
  return entries.map(([path, size]) => {
    const data = blob.subarray(at, at + size);
    at += size;
    return [path, data];
  });
}

async function restoreBytecode(py) {
  const cache = await openCache();
  const hit = cache && (await cache.match(cacheKey));
  if (!hit) return;
  const files = unpack(new Uint8Array(await hit.arrayBuffer()));
  for (const [path, data] of files) {
    py.FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
    py.FS.writeFile(path, data);
    cachedPaths.add(path);
  }
  boot.bytecodeFiles = files.length;
}

const COMPILE = `
def _labkit_compile(known):
    import importlib.util, py_compile, sys
    site = next(p for p in sys.path if p.endswith("site-packages"))
    written = []
    for module in list(sys.modules.values()):
        source = getattr(module, "__file__", None)
        if not (isinstance(source, str) and source.startswith(site) and source.endswith(".py")):
            continue
        target = importlib.util.cache_from_source(source)
        if target in known:
            continue
        py_compile.compile(source, cfile=target, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        written.append(target)
    return written
_labkit_compile`;

// compile what this visit imported that the cache lacks, and store the whole set again
async function storeBytecode() {
  const cache = await openCache();
  if (!cache || !pyodide) return;
  const compile = pyodide.runPython(COMPILE);
  let fresh;
  try {
    fresh = compile(pyodide.toPy([...cachedPaths])).toJs();
  } finally {
    compile.destroy();
  }
  if (fresh.length > 0) {
    for (const path of fresh) cachedPaths.add(path);
    const files = [...cachedPaths].map((path) => [path, pyodide.FS.readFile(path)]);
    await cache.put(cacheKey, new Response(pack(files)));
    for (const request of await cache.keys()) {
      if (request.url !== cacheKey) await cache.delete(request);
    }
  }
  boot.bytecodeStored = true;
}

// called by marimo's worker with the page's runtime settings; returns the started Pyodide
export async function bootstrap(config) {
  const lockText = await (await fetch(config.pyodideLockfileUrl)).text();
  cacheKey = new URL(`bytecode-${await sha256(config.pyodideVersion + lockText)}`, config.pyodideLockfileUrl).href;
  const { loadPyodide } = await import(`${config.pyodideIndexUrl}pyodide.mjs`);
  // the lockfile holds exactly what the labs use (labkit.wasm leaves the rest out), so all of it is loaded now,
  // in parallel, rather than after `import marimo` finds the lab's imports
  const packages = Object.keys(JSON.parse(lockText).packages);
  pyodide = await timed("loadPyodide", () =>
    loadPyodide({
      packages, lockFileContents: lockText, indexURL: config.pyodideIndexUrl,
      packageBaseUrl: config.pyodideIndexUrl, convertNullToNone: true,
    }));
  await timed("restoreBytecode", () => restoreBytecode(pyodide).catch((error) => console.warn("bytecode cache unreadable", error)));
  if (config.pypiIndexUrl) {
    const micropip = pyodide.pyimport("micropip");
    try {
      micropip.set_index_urls(config.pypiIndexUrl);
    } finally {
      micropip.destroy();
    }
  }
  return pyodide;
}

// the notebook's code as a file in the home folder, where marimo's session reads it
export async function mountFilesystem({ code, filename }) {
  try {
    pyodide.FS.mkdirTree(HOME);
  } catch {
    // already there
  }
  pyodide.FS.chdir(HOME);
  pyodide.FS.writeFile(filename || NOTEBOOK, code);
}

// marimo's own session start (marimo._pyodide.bootstrap): imports marimo, returns (bridge, init, packages)
function startMarimo(name) {
  return pyodide.runPython(`
import js
from marimo._pyodide.bootstrap import create_session, instantiate

def _labkit_session():
    session, bridge = create_session(
        filename=${name},
        query_params=js.query_params.to_py(),
        message_callback=js.messenger.callback,
        user_config=js.user_config.to_py(),
    )
    def init(auto_instantiate=True):
        import asyncio
        instantiate(session, auto_instantiate)
        asyncio.create_task(session.start())
    with open(${name}) as f:
        packages = session.find_packages(f.read())
    return bridge, init, packages
_labkit_session()`);
}

// the session, then the lab's imports and its first run
export async function startSession({ code, filename, onMessage, queryParameters, userConfig }) {
  self.messenger = { callback: onMessage };
  self.query_params = queryParameters;
  self.user_config = userConfig;
  const name = JSON.stringify(filename || NOTEBOOK);
  const result = await timed("importMarimo", () => startMarimo(name)).catch(async (error) => {
    // bytecode that cannot be imported (a damaged cache entry) would break every later visit too: drop it
    if (boot.bytecodeFiles > 0) await openCache().then((cache) => cache && cache.delete(cacheKey));
    throw error;
  });
  const [bridge, init, found] = result;
  result.destroy();
  const wanted = found.toJs();
  found.destroy();
  await timed("labImports", async () => {
    await pyodide.loadPackagesFromImports(code);
    const missing = [...wanted].filter((requirement) => !pyodide.loadedPackages[requirement.split(/[[<>=!~;@\s]/)[0]]);
    if (missing.length > 0) {
      await pyodide.runPythonAsync(`import micropip\nawait micropip.install(${JSON.stringify(missing)})`);
    }
  });
  init(userConfig.runtime.auto_instantiate);
  init.destroy();
  setTimeout(() => storeBytecode().catch((error) => console.warn("bytecode cache not stored", error)), COMPILE_DELAY_MS);
  return bridge;
}
