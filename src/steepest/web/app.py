"""The playground's web application: the page, Plotly.js, and the JSON API.

:func:`create_app` builds a FastAPI application.  Its routes:

* ``GET /`` the page; ``/static/...`` its script and style sheet;
  ``/vendor/plotly.min.js`` the Plotly.js bundled in the installed ``plotly``
  package (nothing is fetched from the network).
* ``GET /api/health`` -> ``{"status": "ok"}``; ``GET /api/presets``.
* ``POST /api/minimize`` ``{function, x0, lr, method, max_iter?, tol?}`` ->
  ``{path, losses, grads, status, message, ...}``
* ``POST /api/derive`` ``{expression, wrt?}`` -> ``{result, latex, steps, ...}``
* ``POST /api/preview`` ``{expression}`` -> ``{mathml, text, latex}`` (the typed text
  typeset; answered at once, beside the workers), or 422 with the parser's ``column``
* ``POST /api/surface`` ``{function, xlim, ylim, n}`` -> ``{x, y, z}``;
  ``POST /api/curve`` ``{function, xlim, n?}`` -> ``{x, y}`` (one variable)
* ``POST /api/inspect`` ``{function}`` -> variables and symbolic gradient
* ``POST /api/critical`` ``{function, xlim, ylim?}`` -> ``{points, source}``
* ``POST /api/data-descent`` ``{dataset, lr, batch_size?, epochs?, seed?}``
* ``GET /api/practice/topics``; ``POST /api/practice/exercise`` ``{topic, level?, seed?}``
  -> one exercise with answer, solution and hints; ``POST /api/practice/check``
  ``{question, answer}`` -> the feedback of :func:`steepest.practice.check`

Every bad request is answered with a 4xx status and ``{"error": "<one
sentence>"}``; computations run in worker processes under ``time_limit``
seconds (:mod:`steepest.web.worker`).

>>> from fastapi.testclient import TestClient
>>> client = TestClient(create_app())
>>> client.get("/api/health").json()
{'status': 'ok'}
>>> client.post("/api/surface", content=b"not json",
...             headers={"content-type": "application/json"}).json()
{'error': 'the request body is not valid JSON (line 1, column 1)'}
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from steepest.symbolic.printing import plain_text
from steepest.web import requests as checks
from steepest.web.presets import listing
from steepest.web.requests import MAX_BODY_BYTES, BadRequest
from steepest.web.worker import (
    DEFAULT_FAST_SECONDS,
    DEFAULT_MEMORY_MB,
    DEFAULT_PER_CLIENT,
    DEFAULT_SLOW,
    DEFAULT_WAIT,
    ComputationTimeout,
    ServerBusy,
    TooManyRequests,
    WorkerFailure,
    WorkerPool,
)

STATIC = Path(__file__).parent / "static"
DEFAULT_TIME_LIMIT = 5.0
# Solving for critical points exactly gets this long before the numerical search takes over.
SYMBOLIC_CRITICAL_SECONDS = 2.5
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
# Share of the time limit an optimizer run may take before it stops itself ("stopped").
RUN_SHARE = 0.6

_SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; connect-src 'self'; worker-src blob:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
}


def plotly_js_path() -> Path | None:
    """The ``plotly.min.js`` shipped inside the installed ``plotly`` package, if any.

    >>> path = plotly_js_path()
    >>> path is None or path.name == "plotly.min.js"
    True
    """
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / "package_data" / "plotly.min.js"
        if candidate.is_file():
            return candidate
    return None


class _HostCheck:
    """Answer requests whose Host header is not one of ``hosts`` with a JSON 400.

    A server on 127.0.0.1 is reachable from pages on other sites through DNS
    rebinding unless it checks the name it was asked for.
    """

    def __init__(self, app: ASGIApp, hosts: Iterable[str]) -> None:
        self.app = app
        self.hosts = {host.lower() for host in hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = ""
            for key, value in scope.get("headers", []):
                if key == b"host":
                    host = value.decode("latin-1").lower()
                    break
            name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
            if name not in self.hosts:
                response = JSONResponse(
                    {"error": f"this server answers only to {', '.join(sorted(self.hosts))}"},
                    status_code=400,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def read_json(request: Request) -> dict[str, Any]:
    """The request's JSON object, read at most ``MAX_BODY_BYTES`` bytes far."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise BadRequest(
            "send the body as JSON with the header Content-Type: application/json", status=415
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BadRequest(
            f"the request body has {int(declared):,} bytes; the limit is {MAX_BODY_BYTES:,}",
            status=413,
        )
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            raise BadRequest(
                f"the request body is over the limit of {MAX_BODY_BYTES:,} bytes", status=413
            )
    return checks.parse_body(bytes(body))


def _json_bytes(payload: bytes) -> Response:
    return Response(content=payload, media_type="application/json")


# A task's share of the time limit for symbolic work, so that SymPy stops itself with a
# sentence (TimeLimitError) before the worker process would be stopped from outside.
SYMBOLIC_SHARE = 0.8

Compute = Callable[..., Awaitable[bytes]]


def client_of(request: Request) -> str:
    """The client's address: the unit of the per-client limit on slow computations."""
    return request.client.host if request.client is not None else "unknown"


def add_error_handlers(app: FastAPI) -> None:
    """Every error answered as JSON ``{"error": "<sentence>"}`` with its status code."""

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, exc: BadRequest) -> JSONResponse:
        return JSONResponse(exc.as_json(), status_code=exc.status)

    @app.exception_handler(ComputationTimeout)
    async def too_slow(request: Request, exc: ComputationTimeout) -> JSONResponse:
        return JSONResponse(
            {
                "error": f"the computation took longer than the {exc.seconds:g} s limit and "
                "was stopped; try fewer iterations, a smaller grid or a simpler expression"
            },
            status_code=422,
        )

    @app.exception_handler(ServerBusy)
    async def busy(request: Request, exc: ServerBusy) -> JSONResponse:
        retry_after = getattr(exc, "retry_after", 5)
        return JSONResponse(
            {"error": f"the server is busy with other computations; try again in {retry_after} s"},
            status_code=503,
            headers={"retry-after": str(retry_after)},
        )

    @app.exception_handler(TooManyRequests)
    async def too_many(request: Request, exc: TooManyRequests) -> JSONResponse:
        return JSONResponse(
            {
                "error": f"this client already runs {exc.limit} slow computation(s), the most "
                f"one client may; try again in {exc.retry_after} s"
            },
            status_code=429,
            headers={"retry-after": str(exc.retry_after)},
        )

    @app.exception_handler(WorkerFailure)
    async def failed(request: Request, exc: WorkerFailure) -> JSONResponse:
        return JSONResponse(
            {"error": f"the computation failed: {plain_text(exc)}"}, status_code=500
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            {"error": f"the server could not answer this request ({type(exc).__name__})"},
            status_code=500,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            message = f"there is nothing at {request.url.path}"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        else:
            message = str(exc.detail)
        return JSONResponse({"error": message}, status_code=exc.status_code, headers=exc.headers)


def page_router() -> APIRouter:
    """``/`` (the page) and ``/vendor/plotly.min.js``."""
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})

    @router.get("/vendor/plotly.min.js")
    async def plotly_js() -> Response:
        path = plotly_js_path()
        if path is None:
            return JSONResponse(
                {"error": "plotly is not installed: pip install 'steepest[web]'"},
                status_code=404,
            )
        return FileResponse(
            path, media_type="text/javascript", headers={"cache-control": "max-age=86400"}
        )

    return router


# path -> (task, request check, whether the task is an optimizer run with a time budget)
_TASKS: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]], bool]] = {
    "/api/inspect": ("inspect", checks.function_request, False),
    "/api/minimize": ("minimize", checks.minimize_request, True),
    "/api/derive": ("derive", checks.derive_request, False),
    "/api/surface": ("surface", checks.surface_request, False),
    "/api/curve": ("curve", checks.curve_request, False),
    "/api/data-descent": ("data_descent", checks.data_descent_request, True),
    "/api/practice/exercise": ("practice_exercise", checks.practice_exercise_request, False),
    "/api/practice/check": ("practice_check", checks.practice_check_request, False),
}


def api_router(compute: Compute, run_seconds: float) -> APIRouter:
    """The JSON API: health, presets, and one route per task of :data:`_TASKS`.

    Optimizer runs get ``max_time`` (``run_seconds``), after which they stop
    themselves and return the path so far.
    """
    router = APIRouter()

    @router.get("/api/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/api/presets")
    async def presets() -> dict[str, Any]:
        return listing()

    @router.get("/api/practice/topics")
    async def practice_topics() -> dict[str, Any]:
        from steepest.practice.exercises import LEVELS, TOPICS

        return {"topics": list(TOPICS), "levels": list(LEVELS)}

    for path, (task, check, timed_run) in _TASKS.items():
        router.add_api_route(path, _task_route(compute, task, check, timed_run, run_seconds),
                             methods=["POST"], name=task)  # fmt: skip
    return router


def _task_route(
    compute: Compute,
    task: str,
    check: Callable[[dict[str, Any]], dict[str, Any]],
    timed_run: bool,
    run_seconds: float,
) -> Callable[[Request], Awaitable[Response]]:
    async def route(request: Request) -> Response:
        body = check(await read_json(request))
        if timed_run:
            body = {**body, "max_time": run_seconds}
        return _json_bytes(await compute(task, body, client=client_of(request)))

    return route


class CriticalCache:
    """Answers of ``/api/critical`` by function (and window, for the numerical search),
    and the functions whose exact solving ran out of time (not tried again)."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self.answers: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self.unsolvable: set[str] = set()
        self.lock = threading.Lock()

    def get(self, *keys: tuple[Any, ...]) -> bytes | None:
        with self.lock:
            for key in keys:
                if key in self.answers:
                    self.answers.move_to_end(key)
                    return self.answers[key]
        return None

    def put(self, key: tuple[Any, ...], payload: bytes) -> None:
        with self.lock:
            self.answers[key] = payload
            while len(self.answers) > self.size:
                self.answers.popitem(last=False)

    def give_up_on(self, text: str) -> None:
        with self.lock:
            if len(self.unsolvable) >= 1024:
                self.unsolvable.clear()
            self.unsolvable.add(text)


def critical_router(compute: Compute, time_limit: float) -> APIRouter:
    """``/api/critical``: exact critical points within a short limit, else a numerical search."""
    router = APIRouter()
    cache = CriticalCache()

    @router.post("/api/critical")
    async def critical(request: Request) -> Response:
        body = checks.critical_request(await read_json(request))
        text = body["function"]
        symbolic_key: tuple[Any, ...] = ("symbolic", text)
        numeric_key: tuple[Any, ...] = ("numeric", text, tuple(body["xlim"]),
                                        tuple(body["ylim"] or ()))  # fmt: skip
        cached = cache.get(symbolic_key, numeric_key)
        if cached is not None:
            return _json_bytes(cached)
        client = client_of(request)
        payload: bytes | None = None
        if text not in cache.unsolvable:
            try:
                exact = {**body, "exact_timeout": min(SYMBOLIC_CRITICAL_SECONDS, time_limit)}
                payload = await compute("critical", exact, client=client)
            except ComputationTimeout:
                pass
        if payload is None:
            payload = await compute("critical_numeric", body, client=client)
        if b'"source":"symbolic"' in payload:
            cache.put(symbolic_key, payload)
        else:
            cache.give_up_on(text)
            cache.put(numeric_key, payload)
        return _json_bytes(payload)

    return router


# Longest a preview may take before the answer is that the expression is too large to show.
PREVIEW_SECONDS = 2.0


def preview_router() -> APIRouter:
    """``POST /api/preview``: the typed expression typeset, without waiting for a worker.

    Reading and typesetting are bounded by the parser's limits on length,
    depth and exponents, so the answer comes from a thread of the server
    (which loads SymPy on the first preview, not at start).

    >>> from fastapi import FastAPI
    >>> from fastapi.testclient import TestClient
    >>> app = FastAPI()
    >>> app.include_router(preview_router())
    >>> TestClient(app).post("/api/preview", json={"expression": "2x"}).json()["text"]
    '2*x'
    """
    router = APIRouter()

    @router.post("/api/preview")
    async def preview(request: Request) -> JSONResponse:
        body = checks.preview_request(await read_json(request))
        # The first preview loads the computations (SymPy's solvers, SciPy): in a thread,
        # so that the server keeps answering meanwhile, and before the preview's clock starts.
        compute = await asyncio.to_thread(importlib.import_module, "steepest.web.compute")
        preview_task = compute.preview_task
        try:
            answer = await asyncio.wait_for(
                asyncio.to_thread(preview_task, body), timeout=PREVIEW_SECONDS
            )
        except TimeoutError:
            raise BadRequest(
                "the expression is too large to preview; it is still read when you run it",
                field="expression",
            ) from None
        return JSONResponse(answer)

    return router


def create_app(
    *,
    workers: int = 2,
    time_limit: float = DEFAULT_TIME_LIMIT,
    allowed_hosts: Iterable[str] | None = None,
    pool: WorkerPool | None = None,
    slow_workers: int = DEFAULT_SLOW,
    fast_seconds: float = DEFAULT_FAST_SECONDS,
    memory_mb: int | None = DEFAULT_MEMORY_MB,
    per_client: int = DEFAULT_PER_CLIENT,
    wait: float = DEFAULT_WAIT,
) -> FastAPI:
    """The playground application.

    ``workers`` processes compute fast requests side by side, each request
    for at most ``time_limit`` seconds; symbolic work inside a request is
    limited to a share of it and ends with a sentence.  A computation still
    running after ``fast_seconds`` moves to the slow lane (``slow_workers``
    at once, ``per_client`` per client address), so that fast requests keep
    being answered; a request waits at most ``wait`` seconds for a worker
    (then 503 with ``Retry-After``).  Each worker may allocate ``memory_mb``
    MB beyond its size at start (:mod:`steepest.web.worker`).
    ``allowed_hosts`` limits the Host names it answers to (``steepest serve``
    on 127.0.0.1 passes the loopback names).  The workers start with the
    application's lifespan (or on first use) and stop with it.

    >>> from fastapi.testclient import TestClient
    >>> with TestClient(create_app(workers=1)) as client:
    ...     client.post("/api/derive", json={"expression": "x^4", "wrt": "x"}).json()["result"]
    '4*x^3'
    """
    if not time_limit > 0:
        raise ValueError("time_limit must be positive")
    workers_pool = pool if pool is not None else WorkerPool(
        workers, slow=slow_workers, fast_seconds=fast_seconds, memory_mb=memory_mb,
        per_client=per_client, wait=wait,
    )  # fmt: skip
    # Threads that wait for the workers: as many as the pool admits, so that no request
    # queues for a thread before its own wait starts (the pool refuses the ones beyond).
    waiting = ThreadPoolExecutor(
        max_workers=getattr(workers_pool, "queue_limit", 64) + 4,
        thread_name_prefix="steepest-wait",
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Workers start in the background: the page is served while they load SymPy.
        threading.Thread(target=workers_pool.start, name="steepest-pool-start", daemon=True).start()
        try:
            yield
        finally:
            await asyncio.to_thread(workers_pool.close)
            waiting.shutdown(wait=False)

    app = FastAPI(
        title="steepest playground",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.pool = workers_pool
    app.state.time_limit = time_limit
    add_error_handlers(app)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[..., Any]) -> Response:
        response: Response = await call_next(request)
        for key, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    if allowed_hosts is not None:
        app.add_middleware(_HostCheck, hosts=list(allowed_hosts))

    async def compute(
        task: str,
        request: dict[str, Any],
        seconds: float | None = None,
        *,
        client: str = "unknown",
    ) -> bytes:
        limit = time_limit if seconds is None else seconds
        body = {**request, "timeout": SYMBOLIC_SHARE * limit}
        call = functools.partial(workers_pool.call, task, body, timeout=limit, client=client)
        return await asyncio.get_running_loop().run_in_executor(waiting, call)

    app.include_router(page_router())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api_router(compute, RUN_SHARE * time_limit))
    app.include_router(critical_router(compute, time_limit))
    app.include_router(preview_router())
    return app


__all__ = [
    "LOOPBACK_HOSTS",
    "CriticalCache",
    "add_error_handlers",
    "api_router",
    "client_of",
    "create_app",
    "critical_router",
    "page_router",
    "plotly_js_path",
    "preview_router",
    "read_json",
]
