"""Running the playground with uvicorn: in the foreground, or in a thread for tests.

:func:`bind` opens the listening socket first, so a port in use is a clear
error before anything starts, and port 0 picks a free port.
:class:`BackgroundServer` runs the application in a thread of the current
process and stops it on exit.

>>> from steepest.web.app import create_app
>>> import urllib.request, json
>>> with BackgroundServer(create_app(workers=1)) as server:
...     json.load(urllib.request.urlopen(server.url + "/api/health"))
{'status': 'ok'}
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from steepest.errors import SteepestError


def is_loopback(host: str) -> bool:
    """True for 127.0.0.1, ::1, localhost and the rest of the loopback range.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str = "127.0.0.1", port: int = 8000) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free one), or a clear error.

    >>> sock = bind("127.0.0.1", 0)
    >>> sock.getsockname()[1] > 0
    True
    >>> sock.close()
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise SteepestError(f"cannot listen on host {host!r}: the name is unknown") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        reason = "it is in use" if exc.errno in (98, 48, 10048) else exc.strerror
        raise SteepestError(
            f"cannot listen on {host}:{port}: {reason}; choose another port with --port"
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    """``http://host:port`` of a bound socket (IPv6 hosts in brackets).

    >>> sock = bind("127.0.0.1", 0)
    >>> url_of(sock).startswith("http://127.0.0.1:")
    True
    >>> sock.close()
    """
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def make_server(app: Any, *, log_level: str = "warning") -> uvicorn.Server:
    """A uvicorn server for ``app`` (run it with ``server.run(sockets=[sock])``)."""
    config = uvicorn.Config(app, log_level=log_level, lifespan="on", access_log=False)
    return uvicorn.Server(config)


class BackgroundServer:
    """Serve ``app`` on 127.0.0.1 (a free port by default) in a thread; ``url`` to reach it."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.socket = bind(host, port)
        self.url = url_of(self.socket)
        self.server = make_server(app)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True,
            name="steepest-web-server",
        )  # fmt: skip

    def start(self, timeout: float = 30.0) -> BackgroundServer:
        """Start serving; returns once the server accepts requests."""
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the playground server did not start")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop serving and wait for the thread (and the application's workers) to end."""
        self.server.should_exit = True
        self.thread.join(timeout)
        self.socket.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


__all__ = ["BackgroundServer", "bind", "is_loopback", "make_server", "url_of"]
