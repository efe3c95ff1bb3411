import threading
import urllib.request

import pytest

from mlsysbook.site.serve import make_server


def test_serves_the_built_site(built_fixture):
    server = make_server(built_fixture / "_site", port=0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/vol1/alpha/alpha.html", timeout=10).read().decode()
        assert "Alpha Chapter" in body
        index = urllib.request.urlopen(f"http://127.0.0.1:{port}/search.json", timeout=10).read()
        assert index.startswith(b"[")
    finally:
        server.shutdown()
        server.server_close()


def test_refuses_an_unbuilt_site(tmp_path):
    with pytest.raises(FileNotFoundError, match="build the site first"):
        make_server(tmp_path, port=0)


def test_cli_prints_the_url_and_serves(built_fixture):
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "mlsysbook.cli", "serve", "--root", str(built_fixture), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = line.split(" at ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        assert b"Fixture course" in urllib.request.urlopen(url + "index.html", timeout=10).read()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()
