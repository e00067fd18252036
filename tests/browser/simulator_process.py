"""`python -m tests.browser.simulator_process`: the simulator, steered over stdin and stdout.

Serves every vendor surface of `python -m simulator`, each with its own site, on free loopback
ports, like `python -m simulator` (its traffic answers calls placed through the PBXs' APIs) but
without random calls unless `--traffic` is given (extra arguments go to the simulator's
parser). It prints one
JSON line, `{"pbxs": {vendor: config-flow inputs}}`, then reads one JSON command per line and
answers each with one JSON line:

    {"vendor": "yeastar", "method": "inbound_call", "args": ["+15550100", "101"]}
    -> {"result": {...the call...}}          (or {"error": "..."})

`method` names a method (called with `args` and `kwargs`) or an attribute (read) of that
vendor's `PbxModel`. It stops at the end of its input.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import json
import sys
from typing import Any

from simulator import __main__ as command
from simulator.faults import Faults
from simulator.traffic import TrafficGenerator


def jsonable(value: Any) -> Any:
    """The model's answer as JSON values (dataclasses as objects, enums as their values)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def run(models: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """Carry out one command on a model."""
    try:
        target = getattr(models[request["vendor"]], request["method"])
        if callable(target):
            target = target(*request.get("args", []), **request.get("kwargs", {}))
    except Exception as err:  # every failure goes back to the test
        return {"error": f"{type(err).__name__}: {err}"}
    return {"result": jsonable(target)}


async def main(argv: list[str]) -> None:
    """Start the surfaces, answer commands until stdin ends, stop them."""
    ports = [arg for surface in command.SURFACES for arg in (f"--{surface.name}-port", "0")]
    args = command.build_parser().parse_args(["--no-traffic", *ports, *argv])
    faults = Faults(args.latency, args.error_rate, args.drop_rate, seed=args.seed)
    servers, traffic, models, flows = [], [], {}, {}
    loop = asyncio.get_running_loop()
    try:
        for index, surface in enumerate(command.SURFACES):
            model = command.site_model(surface, args, index)
            server, _port, _credentials = surface.build(model, args, faults)
            await server.start(surface.host(args), 0)
            servers.append(server)
            generator = TrafficGenerator(
                model,
                seed=args.seed + index,
                mean_interval=args.mean_interval,
                place_calls=args.traffic,
            )
            generator.start()
            traffic.append(generator)
            models[surface.name] = model
            flows[surface.name] = command.site_flow(surface, server, args)
        print(json.dumps({"pbxs": flows}), flush=True)  # noqa: T201
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            if line.strip():
                print(json.dumps(run(models, json.loads(line))), flush=True)  # noqa: T201
    finally:
        for generator in traffic:
            await generator.stop()
        for server in reversed(servers):
            await server.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
