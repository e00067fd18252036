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

from . import mirta, synway, telphin, voipsun, yeastar
from .faults import Faults
from .model import PbxModel
from .server import SimServer
from .traffic import TrafficGenerator


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
    loopback: str | None = None
    """Another loopback address to serve on instead of 127.0.0.1: Synway and VoIPSUN PBXs
    are both known by their host alone, so on one machine they need different addresses."""

    def host(self, args: argparse.Namespace) -> str:
        """The address to listen on."""
        return self.loopback if self.loopback and args.host == "127.0.0.1" else args.host


SURFACES: list[Surface] = [
    Surface("yeastar", yeastar.add_arguments, yeastar.build, yeastar.flow_inputs),
    Surface("synway", synway.add_arguments, synway.build, synway.flow_inputs, "127.0.0.2"),
    Surface("mirta", mirta.add_arguments, mirta.build, mirta.flow_inputs),
    Surface("voipsun", voipsun.add_arguments, voipsun.build, voipsun.flow_inputs),
    Surface("telphin", telphin.add_arguments, telphin.build, telphin.flow_inputs),
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
            await server.start(
                surface.host(args), args.base_port + index if args.base_port else port
            )
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
