"""``kneetriage serve``: the web questionnaire and the JSON API, under waitress."""

from __future__ import annotations

import logging

import click

from triage.commands._engine import engine_option


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default is this machine only; put a TLS proxy in front before opening it up.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads (the engine runs one form at a time; threads overlap the network).")
@click.option("--rate-limit", default=600, show_default=True, type=click.IntRange(0, None),
              help="Requests per client address per minute; 0 turns the limit off.")
@click.option("--max-body", default=2 * 1024 * 1024, show_default=True, type=click.IntRange(1024, None),
              help="Largest request body in bytes (larger gets 413).")
@click.option("--secret-file", type=click.Path(dir_okay=False),
              help="File holding the signing secret (made on first use). Default: "
                   "~/.config/kneetriage/web-secret; KNEETRIAGE_SECRET_KEY overrides it.")
@engine_option(default="compiled")
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, exists=True), help="Another knowledge base folder.")
def command(host, port, threads, rate_limit, max_body, secret_file, rules_dir):
    """Serve the web questionnaire and the JSON API (/api/v1).

    No health data is stored on the server: a questionnaire's answers travel with the browser
    in a signed cookie. Stop with Ctrl-C.
    """
    import waitress

    from triage.web import Settings, create_app

    # An access log of method, path, status and time only. Only our logger and waitress's speak:
    # the root logger stays at WARNING, because experta's watchers log every fact (the answers)
    # at INFO.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    for name in ("kneetriage.web", "waitress"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        logger.propagate = False
    app = create_app(Settings(secret_file=secret_file, rate_limit=rate_limit, max_body=max_body,
                              rules_dir=rules_dir))
    # Bind first, so a port in use is reported before anything says it is serving, and
    # --port 0 can name the port it got.
    server = waitress.create_server(app, host=host, port=port, threads=threads, ident="kneetriage",
                                    max_request_body_size=max_body + 1024,
                                    clear_untrusted_proxy_headers=True)
    click.echo(f"kneetriage: serving on http://{host}:{server.effective_port}/ (API: /api/v1, Ctrl-C to stop)")
    click.echo("It supports, and does not replace, the judgement of a clinician.")
    server.run()
