"""``steepest serve``: the gradient-descent playground in the browser.

Serves the page and its JSON API on 127.0.0.1:8000 by default (only this
machine can reach it); ``--open`` opens the page in the default browser.
Needs the ``web`` extra; without it the command says how to install it and
exits with status 2.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
import webbrowser

import click

from steepest.cli.options import int_range_option

WEB_PACKAGES = ("fastapi", "uvicorn")


def missing_web_packages() -> list[str]:
    """The packages of the ``web`` extra that cannot be imported.

    >>> isinstance(missing_web_packages(), list)
    True
    """
    missing = []
    for name in WEB_PACKAGES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 127.0.0.1 keeps the playground to this machine.",
)
@int_range_option("--port", 8000, 0, 65535, "Port to listen on (0 picks a free one).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")
@int_range_option(
    "--workers", 2, 1, 16, "Worker processes for fast requests (they run side by side)."
)
@int_range_option(
    "--slow-workers", 2, 1, 16,
    "Computations that may run past --fast-seconds at once (the slow lane).",
)  # fmt: skip
@click.option("--time-limit", default=5.0, show_default=True, type=click.FloatRange(0.5, 60.0),
              help="Seconds one request may compute before it is stopped.")  # fmt: skip
@click.option("--fast-seconds", default=0.5, show_default=True, type=click.FloatRange(0.1, 60.0),
              help="Seconds a computation may run before it moves to the slow lane.")  # fmt: skip
@int_range_option(
    "--memory-limit", 512, 64, 65536,
    "MB of memory one worker may allocate beyond its size at start.",
)  # fmt: skip
@int_range_option(
    "--per-client", 2, 1, 64, "Slow computations one client address may run or wait for."
)
@click.option("--wait", default=10.0, show_default=True, type=click.FloatRange(0.5, 600.0),
              help="Seconds a request may wait for a worker before a 503 answer.")  # fmt: skip
def serve(
    host: str,
    port: int,
    open_browser: bool,
    workers: int,
    slow_workers: int,
    time_limit: float,
    fast_seconds: float,
    memory_limit: int,
    per_client: int,
    wait: float,
) -> None:
    """Start the browser playground: functions, start points, learning rates, methods.

    Every limit is a flag; docs/security.md explains each one.

    \b
    Example:
      steepest serve --open
    """
    missing = missing_web_packages()
    if missing:
        click.echo(
            f"error: the playground needs {' and '.join(missing)}: pip install 'steepest[web]'",
            err=True,
        )
        sys.exit(2)

    from steepest.web.app import LOOPBACK_HOSTS, create_app
    from steepest.web.server import bind, is_loopback, make_server, url_of

    sock = bind(host, port)  # a SteepestError here becomes one line on stderr, exit 2
    url = url_of(sock)
    if host in ("0.0.0.0", "::"):
        url = url.replace(host if host == "0.0.0.0" else "[::]", "127.0.0.1")
    # On loopback, answer only to loopback names (a page elsewhere cannot rebind a name to us).
    hosts = [*LOOPBACK_HOSTS, host] if is_loopback(host) else None
    app = create_app(
        workers=workers, time_limit=time_limit, allowed_hosts=hosts, slow_workers=slow_workers,
        fast_seconds=fast_seconds, memory_mb=memory_limit, per_client=per_client, wait=wait,
    )  # fmt: skip
    server = make_server(app)
    click.echo(f"steepest playground at {url}  (Ctrl+C to stop)")
    if not is_loopback(host):
        click.echo(
            f"note: listening on {host}: other machines on the network can reach it", err=True
        )
    if open_browser:

        def open_when_ready() -> None:
            for _ in range(600):
                if server.started:
                    webbrowser.open(url)
                    return
                time.sleep(0.05)

        threading.Thread(target=open_when_ready, daemon=True).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()


__all__ = ["missing_web_packages", "serve"]
