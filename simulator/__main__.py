"""``python -m simulator``: serve every vendor surface on loopback over one shared model.

Each vendor surface is one :class:`Surface` entry in :data:`SURFACES`: it adds its options to the
command line and builds its server from the parsed options. Adding a vendor adds one entry.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass
import json
import logging
import signal
import sys

from .faults import Faults
from .mirta import MirtaServer
from .model import PbxModel
from .server import SimServer
from .telphin import TelphinServer
from .traffic import TrafficGenerator
from .voipsun import VoipsunServer
from .yeastar import YeastarServer


@dataclass(frozen=True)
class Surface:
    """A vendor surface the command can serve.

    ``add_arguments`` adds its options (at least its port); ``build`` makes its server, returns
    it with the port to listen on and a one-line description of its credentials.
    """

    name: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    build: Callable[[PbxModel, argparse.Namespace, Faults], tuple[SimServer, int, str]]
    flow_inputs: Callable[[SimServer, argparse.Namespace], dict[str, object]]
    """What a user types into the integration's config flow to add this PBX."""


def _yeastar_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Yeastar P-Series")
    group.add_argument("--yeastar-port", type=int, default=18088, help="0 picks a free port")
    group.add_argument("--client-id", default="demo-client-id", help="Yeastar API client id")
    group.add_argument(
        "--client-secret", default="demo-client-secret", help="Yeastar API client secret"
    )
    group.add_argument("--yeastar-sn", default="3631A2024000017", help="Yeastar serial number")


def _yeastar_build(
    model: PbxModel, args: argparse.Namespace, faults: Faults
) -> tuple[SimServer, int, str]:
    server = YeastarServer(
        model,
        client_id=args.client_id,
        client_secret=args.client_secret,
        faults=faults,
        tls=args.tls,
        sn=args.yeastar_sn,
        seed=args.seed,
    )
    credentials = f"client_id={args.client_id} client_secret={args.client_secret} sn={server.sn}"
    return server, args.yeastar_port, credentials


def _yeastar_flow(server: SimServer, args: argparse.Namespace) -> dict[str, object]:
    return {
        "title": "Demo Hotel PBX",
        "vendor": "yeastar",
        "host": server.host,
        "port": server.port,
        "ssl": bool(args.tls),
        "verify_ssl": False,
        "client_id": args.client_id,
        "client_secret": args.client_secret,
    }


def _mirta_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("MiRTA PBX")
    group.add_argument("--mirta-port", type=int, default=18089, help="0 picks a free port")
    group.add_argument("--mirta-key", default="demo-mirta-key", help="MiRTA API key")
    group.add_argument("--mirta-tenant", default="DEMO", help="MiRTA tenant code")


def _mirta_build(
    model: PbxModel, args: argparse.Namespace, faults: Faults
) -> tuple[SimServer, int, str]:
    server = MirtaServer(
        model, api_key=args.mirta_key, tenant=args.mirta_tenant, faults=faults, tls=args.tls
    )
    return server, args.mirta_port, f"api_key={args.mirta_key} tenant={args.mirta_tenant}"


def _mirta_flow(server: SimServer, args: argparse.Namespace) -> dict[str, object]:
    assert isinstance(server, MirtaServer)
    return {
        "title": f"MiRTA PBX ({args.mirta_tenant})",
        "vendor": "mirta",
        "host": server.host,
        "port": server.port,
        "ssl": bool(args.tls),
        "verify_ssl": False,
        "path": server.path,
        "api_key": args.mirta_key,
        "tenant": args.mirta_tenant,
    }


def _voipsun_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("VoIPSUN PBX")
    group.add_argument("--voipsun-port", type=int, default=18090, help="0 picks a free port")
    group.add_argument("--voipsun-user", default="voipsun", help="VoIPSUN API user")
    group.add_argument("--voipsun-password", default="demo-voipsun-pw", help="its password")


def _voipsun_build(
    model: PbxModel, args: argparse.Namespace, faults: Faults
) -> tuple[SimServer, int, str]:
    server = VoipsunServer(
        model,
        username=args.voipsun_user,
        password=args.voipsun_password,
        faults=faults,
        tls=args.tls,
        agent_pin=None,
    )
    return server, args.voipsun_port, f"username={args.voipsun_user} password=(--voipsun-password)"


def _voipsun_flow(server: SimServer, args: argparse.Namespace) -> dict[str, object]:
    return {
        "title": "VoIPSUN PBX",
        "vendor": "voipsun",
        "host": server.host,
        "port": server.port,
        "ssl": bool(args.tls),
        "verify_ssl": False,
        "username": args.voipsun_user,
        "password": args.voipsun_password,
    }


def _telphin_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Telphin")
    group.add_argument("--telphin-port", type=int, default=18091, help="0 picks a free port")
    group.add_argument("--telphin-client-id", default="demo-telphin-app", help="OAuth client id")
    group.add_argument("--telphin-client-secret", default="demo-telphin-secret", help="its secret")


def _telphin_build(
    model: PbxModel, args: argparse.Namespace, faults: Faults
) -> tuple[SimServer, int, str]:
    server = TelphinServer(
        model,
        client_id=args.telphin_client_id,
        client_secret=args.telphin_client_secret,
        faults=faults,
        tls=args.tls,
    )
    return server, args.telphin_port, f"client_id={args.telphin_client_id}"


def _telphin_flow(server: SimServer, args: argparse.Namespace) -> dict[str, object]:
    return {
        "title": "Telphin",
        "vendor": "telphin",
        "host": server.host,
        "port": server.port,
        "ssl": bool(args.tls),
        "verify_ssl": False,
        "client_id": args.telphin_client_id,
        "client_secret": args.telphin_client_secret,
    }


SURFACES: list[Surface] = [
    Surface("yeastar", _yeastar_arguments, _yeastar_build, _yeastar_flow),
    Surface("mirta", _mirta_arguments, _mirta_build, _mirta_flow),
    Surface("voipsun", _voipsun_arguments, _voipsun_build, _voipsun_flow),
    Surface("telphin", _telphin_arguments, _telphin_build, _telphin_flow),
]


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser (common options plus each surface's)."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator", description="Serve simulated PBXs on loopback."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--extensions", type=int, default=20, help="number of extensions")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--traffic", action=argparse.BooleanOptionalAction, default=True, help="generate calls"
    )
    parser.add_argument("--mean-interval", type=float, default=8.0, help="seconds between calls")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of HTTP 5xx")
    parser.add_argument("--drop-rate", type=float, default=0.0, help="share of dropped requests")
    parser.add_argument("--tls", action="store_true", help="HTTPS with a self-signed certificate")
    parser.add_argument(
        "--base-port",
        type=int,
        default=0,
        help="serve the surfaces on consecutive ports from this one (overrides their own ports)",
    )
    parser.add_argument(
        "--print-flow",
        action="store_true",
        help="print a PBX-FLOW line per surface: the config-flow inputs to add it to Home Assistant",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    for surface in SURFACES:
        surface.add_arguments(parser)
    return parser


async def serve(args: argparse.Namespace) -> None:
    """Start every surface and the traffic, wait for SIGINT/SIGTERM, stop everything."""
    model = PbxModel.office(args.extensions, seed=args.seed)
    faults = Faults(args.latency, args.error_rate, args.drop_rate, seed=args.seed)
    servers: list[SimServer] = []
    traffic = TrafficGenerator(model, seed=args.seed, mean_interval=args.mean_interval)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        for index, surface in enumerate(SURFACES):
            server, port, credentials = surface.build(model, args, faults)
            await server.start(args.host, args.base_port + index if args.base_port else port)
            servers.append(server)
            print(f"{surface.name:<8} {server.url}  {credentials}", flush=True)  # noqa: T201
            if args.print_flow:
                flow = json.dumps(surface.flow_inputs(server, args))
                print(f"PBX-FLOW {flow}", flush=True)  # noqa: T201
        if args.traffic:
            traffic.start()
        print(  # noqa: T201
            f"model: {len(model.extensions)} extensions, traffic "
            f"{'on' if args.traffic else 'off'}; Ctrl-C to stop",
            flush=True,
        )
        await stop.wait()
    finally:
        await traffic.stop()
        for server in reversed(servers):
            await server.stop()


def main(argv: list[str] | None = None) -> int:
    """Run the command; return the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    try:
        asyncio.run(serve(args))
    except OSError as err:
        print(f"simulator: {err}", file=sys.stderr)  # noqa: T201
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
