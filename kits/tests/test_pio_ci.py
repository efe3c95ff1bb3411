"""`make kits-pio` builds every board environment with PlatformIO when its registry is
reachable, and says loudly that it skipped when it is not."""

import http.server
import threading

import pytest

from kits_host import pio_ci
from kits_host.boards import MCU_BOARDS


def test_unreachable_registry_skips_with_a_notice(capsys):
    assert pio_ci.main(["--registry", "http://127.0.0.1:9/"]) == 0
    out = capsys.readouterr().out
    assert "SKIPPED" in out and "NOT built" in out and "127.0.0.1:9" in out


@pytest.fixture
def registry():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_reachable_registry_builds_every_environment(registry, tmp_path, monkeypatch, capsys):
    log = tmp_path / "calls"
    fake = tmp_path / "pio"
    # A stand-in for PlatformIO that records each call and fails one environment.
    fake.write_text(f'#!/bin/sh\necho "$@" >> {log}\ncase "$*" in *nicla_vision_image*) exit 1;; esac\n')
    fake.chmod(0o755)
    monkeypatch.setenv("KITS_PIO", str(fake))
    assert pio_ci.main(["--registry", registry]) == 1
    calls = log.read_text().splitlines()
    expected = {(key, env) for key in MCU_BOARDS for env in pio_ci.environments(key)}
    assert len(calls) == len(expected) >= 8
    for key, env in expected:
        assert any(c.startswith("run -d ") and c.endswith(f"/{key} -e {env}") for c in calls), (key, env)
    assert "FAILED: nicla_vision:nicla_vision_image" in capsys.readouterr().out


def test_unknown_board_is_refused():
    with pytest.raises(SystemExit):
        pio_ci.main(["uno"])
