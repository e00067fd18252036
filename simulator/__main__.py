"""``python -m simulator``: serve every vendor surface on loopback, each with its own site.

Each vendor surface is one :class:`Surface` entry in :data:`SURFACES`: it adds its options to the
command line, names the demo site it serves (:mod:`simulator.office`: a hotel on Yeastar, an
office on Synway, a call center on MiRTA, a workshop on VoIPSUN, a cloud team on Telphin) and
builds its server from the parsed options. Each site has its own model and its own traffic, so
five PBXs side by side look like five customers. Adding a vendor adds one entry.
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
from .office import CALL_CENTER, CLOUD_TEAM, HOTEL, OFFICE, WORKSHOP, Site
from .server import SimServer
from .traffic import TrafficGenerator


@dataclass(frozen=True)
class Surface:
    """A vendor surface the command can serve.

    ``add_arguments`` adds its options (at least its port); ``build`` makes its server, returns
    it with the port to listen on and a one-line description of its credentials.
    """

    name: str
    vendor_name: str
    """The vendor as people write it: the entry title's "(Yeastar)"."""
    site: Site
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
    Surface("yeastar", "Yeastar", HOTEL, yeastar.add_arguments, yeastar.build, yeastar.flow_inputs),
    Surface(
        "synway",
        "Synway",
        OFFICE,
        synway.add_arguments,
        synway.build,
        synway.flow_inputs,
        "127.0.0.2",
    ),
    Surface("mirta", "MiRTA", CALL_CENTER, mirta.add_arguments, mirta.build, mirta.flow_inputs),
    Surface(
        "voipsun", "VoIPSUN", WORKSHOP, voipsun.add_arguments, voipsun.build, voipsun.flow_inputs
    ),
    Surface(
        "telphin", "Telphin", CLOUD_TEAM, telphin.add_arguments, telphin.build, telphin.flow_inputs
    ),
]


def site_model(surface: Surface, args: argparse.Namespace, index: int) -> PbxModel:
    """The surface's own site: its named extensions, or ``--extensions`` of them."""
    count = args.extensions if args.extensions is not None else len(surface.site.extensions)
    return PbxModel.office(count, seed=args.seed + index, site=surface.site)


def site_flow(surface: Surface, server: SimServer, args: argparse.Namespace) -> dict[str, object]:
    """The config-flow inputs of the surface, with the site's name and the title it gives."""
    flow = surface.flow_inputs(server, args)
    flow["name"] = surface.site.name
    flow["title"] = f"{surface.site.name} ({surface.vendor_name})"
    if surface.site.default_extension is not None:
        options = flow.get("options")
        flow["options"] = {
            **(options if isinstance(options, dict) else {}),
            "default_extension": surface.site.default_extension,
        }
    return flow


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser (common options plus each surface's)."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator", description="Serve simulated PBXs on loopback."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--extensions",
        type=int,
        default=None,
        help="number of extensions of each site (default: its named ones)",
    )
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
    """Start every surface and its traffic, wait for SIGINT/SIGTERM, stop everything."""
    faults = Faults(args.latency, args.error_rate, args.drop_rate, seed=args.seed)
    servers: list[SimServer] = []
    traffic: list[TrafficGenerator] = []
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        extensions = 0
        for index, surface in enumerate(SURFACES):
            model = site_model(surface, args, index)
            extensions += len(model.extensions)
            server, port, credentials = surface.build(model, args, faults)
            await server.start(
                surface.host(args), args.base_port + index if args.base_port else port
            )
            servers.append(server)
            generator = TrafficGenerator(
                model,
                seed=args.seed + index,
                mean_interval=args.mean_interval,
                place_calls=args.traffic,
            )
            generator.start()
            traffic.append(generator)
            print(  # noqa: T201
                f"{surface.name:<8} {server.url}  {model.name}  {credentials}", flush=True
            )
            if args.print_flow:
                print(f"PBX-FLOW {json.dumps(site_flow(surface, server, args))}", flush=True)  # noqa: T201
        print(  # noqa: T201
            f"model: {len(SURFACES)} sites, {extensions} extensions, traffic "
            f"{'on' if args.traffic else 'off'}; Ctrl-C to stop",
            flush=True,
        )
        await stop.wait()
    finally:
        for generator in traffic:
            await generator.stop()
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
