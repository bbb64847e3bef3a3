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
    if process.poll() is None:
        process.terminate()
        process.communicate(timeout=10)


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


def test_serve_logs_method_path_and_status_only(server):
    # Runs last in this module: it stops the server to read everything it printed.
    urllib.request.urlopen(server["url"] + "/api/v1/fields?age=87").read()
    form = json.dumps({"onset": "sudden_no_injury", "pain_location": "posterior"}).encode()
    urllib.request.urlopen(urllib.request.Request(server["url"] + "/api/v1/assess", data=form,
                                                  headers={"Content-Type": "application/json"})).read()
    server["process"].terminate()
    output = server["process"].communicate(timeout=10)[0]
    assert "kneetriage.web GET /api/v1/fields 200" in output
    assert "87" not in output.split("kneetriage.web GET /api/v1/fields")[1].split("\n")[0].split(" ")[1]
    assert "age=" not in output, output
    assert "POST /api/v1/assess 200" in output
    assert "sudden_no_injury" not in output and "posterior" not in output, output
