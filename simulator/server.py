"""Base class of a simulated vendor surface: an aiohttp application served on loopback.

A subclass adds its routes in :meth:`SimServer.setup_routes` and its clean-up in
:meth:`SimServer.on_stop`. The base serves it (optionally over TLS with a self-signed certificate
made at run time), applies :class:`~simulator.faults.Faults` and logs every request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import datetime as dt
import ipaddress
import logging
from pathlib import Path
import socket
import ssl
import tempfile
import time
from types import TracebackType
from typing import Self

from aiohttp import web
from aiohttp.typedefs import Handler
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .faults import Faults

_LOGGER = logging.getLogger(__name__)

REQUEST_LOG_LIMIT = 10_000
"""The request log keeps at most this many entries (oldest dropped)."""


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request a surface received: method, path, query parameters (first value of each)."""

    method: str
    path: str
    query: dict[str, str]
    remote: str | None
    at: float = field(default_factory=time.time)


class SimServer:
    """A vendor surface served by aiohttp; use ``async with`` or :meth:`start` / :meth:`stop`."""

    name = "surface"

    def __init__(self, *, faults: Faults | None = None, tls: bool = False) -> None:
        """Prepare the surface; ``faults`` may be changed later, ``tls`` serves HTTPS."""
        self.faults = faults or Faults()
        self.tls = tls
        self.host = "127.0.0.1"
        self.requests: list[RequestRecord] = []
        self.certificate_pem: bytes | None = None
        self._runner: web.AppRunner | None = None
        self._port = 0

    # ----------------------------------------------------------------- for subclasses

    def setup_routes(self, app: web.Application) -> None:
        """Add the vendor's routes to ``app`` (subclasses override)."""

    async def on_start(self) -> None:
        """Run once the server listens (subclasses override)."""

    async def on_stop(self) -> None:
        """Release what the subclass holds (web sockets, tasks) before the server stops."""

    # ----------------------------------------------------------------- life cycle

    @property
    def port(self) -> int:
        """The TCP port the surface listens on (0 before :meth:`start`)."""
        return self._port

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:8088``."""
        return f"{'https' if self.tls else 'http'}://{self.host}:{self._port}"

    @property
    def running(self) -> bool:
        """Whether the surface is serving."""
        return self._runner is not None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host``:``port`` (0 picks a free port)."""
        if self._runner is not None:
            raise RuntimeError(f"{self.name} already started")
        app = web.Application(middlewares=[self._log_middleware, self.faults.middleware])
        self.setup_routes(app)
        runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            await runner.cleanup()
            raise
        ssl_context = self._server_ssl_context(host) if self.tls else None
        site = web.SockSite(runner, sock, ssl_context=ssl_context)
        await site.start()
        self._runner = runner
        self.host = host
        self._port = sock.getsockname()[1]
        _LOGGER.debug("%s listening on %s", self.name, self.url)
        await self.on_start()

    async def stop(self) -> None:
        """Stop serving (idempotent)."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        await self.on_stop()
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        if self._runner is None:
            await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ----------------------------------------------------------------- request log

    def requests_to(self, path_suffix: str, method: str | None = None) -> list[RequestRecord]:
        """Return the logged requests whose path ends with ``path_suffix`` (and method, if given)."""
        return [
            r
            for r in self.requests
            if r.path.endswith(path_suffix) and (method is None or r.method == method)
        ]

    def clear_requests(self) -> None:
        """Forget the logged requests."""
        self.requests.clear()

    @web.middleware
    async def _log_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if len(self.requests) >= REQUEST_LOG_LIMIT:
            del self.requests[: REQUEST_LOG_LIMIT // 10]
        self.requests.append(
            RequestRecord(request.method, request.path, dict(request.query), request.remote)
        )
        return await handler(request)

    # ----------------------------------------------------------------- TLS

    def client_ssl_context(self) -> ssl.SSLContext:
        """Return a client context that trusts this surface's self-signed certificate."""
        if self.certificate_pem is None:
            raise RuntimeError("the surface has no certificate (tls=False or not started)")
        return ssl.create_default_context(cadata=self.certificate_pem.decode())

    def _server_ssl_context(self, host: str) -> ssl.SSLContext:
        cert_pem, key_pem = self_signed_certificate(host)
        self.certificate_pem = cert_pem
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as tmp:
            cert_file, key_file = Path(tmp, "cert.pem"), Path(tmp, "key.pem")
            cert_file.write_bytes(cert_pem)
            key_file.write_bytes(key_pem)
            context.load_cert_chain(cert_file, key_file)
        return context


def self_signed_certificate(host: str = "127.0.0.1") -> tuple[bytes, bytes]:
    """Make a self-signed certificate for ``host``, ``127.0.0.1`` and ``localhost``.

    Returns the certificate and its private key, both PEM.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PBX simulator")])
    alt_names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    for address in {host, "127.0.0.1"}:
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(address)))
        except ValueError:
            alt_names.append(x509.DNSName(address))
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem
