"""`kneetriage serve` starts the real server (waitress), which answers on loopback."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real `kneetriage serve` process on a free loopback port; yields its base URL."""
    port = free_port()
    home = tmp_path_factory.mktemp("home")
    env = {**os.environ, "XDG_CONFIG_HOME": str(home)}
    env.pop("KNEETRIAGE_SECRET_KEY", None)
    process = subprocess.Popen([sys.executable, "-m", "triage", "serve", "--port", str(port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/api/v1/fields", timeout=2)
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"kneetriage serve exited: {process.stdout.read()}")
            time.sleep(0.2)
    yield {"url": url, "home": home, "process": process}
    process.terminate()
    process.wait(timeout=10)


def test_serve_answers_pages_and_the_api(server):
    with urllib.request.urlopen(server["url"] + "/") as response:
        page = response.read()
        assert response.status == 200 and b"Questions about your knee pain" in page
        assert response.headers["Server"] == "kneetriage"
    request = urllib.request.Request(server["url"] + "/api/v1/assess", data=json.dumps({"onset": "gradual"}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        assert json.loads(response.read())["status"] == "ok"


def test_serve_makes_a_private_secret_file_once(server):
    secret = server["home"] / "kneetriage" / "web-secret"
    assert secret.exists() and oct(secret.stat().st_mode & 0o777) == "0o600"


def test_serve_help_names_the_defaults(runner):
    from triage.cli import cli
    result = runner.invoke(cli, ["serve", "--help"], catch_exceptions=False)
    assert result.exit_code == 0 and "127.0.0.1" in result.output and "8000" in result.output
