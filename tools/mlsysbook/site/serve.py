"""A static file server for `_site/` (standard library only)."""
from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass


def make_server(site: Path, host: str = "127.0.0.1", port: int = 8000, quiet: bool = False) -> ThreadingHTTPServer:
    if not (site / "index.html").is_file():
        raise FileNotFoundError(f"{site}/index.html does not exist; build the site first with `make site`")
    handler = functools.partial(_QuietHandler if quiet else SimpleHTTPRequestHandler, directory=str(site))
    return ThreadingHTTPServer((host, port), handler)
