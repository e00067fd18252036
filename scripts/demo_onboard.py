"""Complete Home Assistant's onboarding and add the simulated PBXs through the config flow."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
import re
import sys
from typing import Any

import aiohttp

USERNAME = "demo"
PASSWORD = "demo-pbx-2026"  # the demo's published login
CLIENT_ID = "http://127.0.0.1/"
DASHBOARD = "pbx-switchboard"  # the demo's dashboard of switchboard cards (needs a "-")


async def wait_for(session: aiohttp.ClientSession, url: str, timeout: float = 300) -> None:
    """Wait until Home Assistant answers."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        try:
            async with session.get(url) as response:
                if response.status < 500:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(1)
    raise SystemExit(f"demo: Home Assistant did not start within {timeout:.0f} s")


def _onboarded(config: Path) -> bool:
    """Whether Home Assistant has stored that its demo user was created."""
    try:
        stored = json.loads((config / ".storage/onboarding").read_text())
    except FileNotFoundError, ValueError:
        return False
    return "user" in stored.get("data", {}).get("done", [])


async def onboard(session: aiohttp.ClientSession, ha: str, config: Path) -> str:
    """Create the demo user if needed; return an access token."""
    for _ in range(60):
        async with session.get(f"{ha}/api/onboarding") as response:
            if response.status == 200:
                steps = {step["step"]: step["done"] for step in await response.json()}
                break
        # Once onboarding is complete, Home Assistant no longer serves the view.
        if await asyncio.to_thread(_onboarded, config):
            steps = {"user": True}
            break
        await asyncio.sleep(1)
    else:
        raise SystemExit("demo: Home Assistant's onboarding did not answer")
    if not steps.get("user"):
        async with session.post(
            f"{ha}/api/onboarding/users",
            json={
                "client_id": CLIENT_ID,
                "name": "Demo",
                "username": USERNAME,
                "password": PASSWORD,
                "language": "en",
            },
        ) as response:
            response.raise_for_status()
            code = (await response.json())["auth_code"]
        token = await exchange(session, ha, code)
        headers = {"Authorization": f"Bearer {token}"}
        for step, body in (
            ("core_config", {}),
            ("analytics", {}),
            ("integration", {"client_id": CLIENT_ID, "redirect_uri": CLIENT_ID}),
        ):
            async with session.post(
                f"{ha}/api/onboarding/{step}", json=body, headers=headers
            ) as response:
                if response.status not in (200, 403):
                    print(f"demo: onboarding step {step} answered {response.status}")  # noqa: T201
        return token
    return await login(session, ha)


async def exchange(session: aiohttp.ClientSession, ha: str, code: str) -> str:
    """Trade an authorization code for an access token."""
    async with session.post(
        f"{ha}/auth/token",
        data={"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
    ) as response:
        response.raise_for_status()
        return str((await response.json())["access_token"])


async def login(session: aiohttp.ClientSession, ha: str) -> str:
    """Log in with the demo user through the login flow."""
    async with session.post(
        f"{ha}/auth/login_flow",
        json={
            "client_id": CLIENT_ID,
            "handler": ["homeassistant", None],
            "redirect_uri": CLIENT_ID,
        },
    ) as response:
        flow = await response.json()
    async with session.post(
        f"{ha}/auth/login_flow/{flow['flow_id']}",
        json={"client_id": CLIENT_ID, "username": USERNAME, "password": PASSWORD},
    ) as response:
        result = await response.json()
    return await exchange(session, ha, result["result"])


async def simulated_pbxs(log: Path) -> list[dict[str, Any]]:
    """The config-flow inputs of every simulated PBX, once the simulator has started them all.

    The simulator prints a PBX-FLOW line as each PBX starts and a "model:" line after the
    last one.
    """
    for _ in range(240):
        text = await asyncio.to_thread(_read, log)
        if re.search(r"^model: ", text, re.MULTILINE):
            return [
                json.loads(match)
                for match in re.findall(r"^PBX-FLOW (\{.*\})$", text, re.MULTILINE)
            ]
        await asyncio.sleep(0.5)
    raise SystemExit("demo: the simulator did not start; see .demo/simulator.log")


def _read(log: Path) -> str:
    """The log's text so far ("" before it exists)."""
    try:
        return log.read_text()
    except FileNotFoundError:
        return ""


async def add_pbx(
    session: aiohttp.ClientSession, ha: str, token: str, inputs: dict[str, Any]
) -> str:
    """Run the config flow for one PBX; return what happened."""
    headers = {"Authorization": f"Bearer {token}"}
    async with session.get(f"{ha}/api/config/config_entries/entry", headers=headers) as response:
        entries = await response.json()
    title = inputs.pop("title")
    options = inputs.pop("options", None)
    if any(entry["domain"] == "pbx" and entry["title"] == title for entry in entries):
        return f"{title}: already added"
    async with session.post(
        f"{ha}/api/config/config_entries/flow",
        json={"handler": "pbx", "show_advanced_options": False},
        headers=headers,
    ) as response:
        flow = await response.json()
    async with session.post(
        f"{ha}/api/config/config_entries/flow/{flow['flow_id']}",
        json={"vendor": inputs.pop("vendor")},
        headers=headers,
    ) as response:
        flow = await response.json()
    async with session.post(
        f"{ha}/api/config/config_entries/flow/{flow['flow_id']}", json=inputs, headers=headers
    ) as response:
        result = await response.json()
    if result.get("type") == "create_entry":
        if options:
            said = await set_options(session, ha, headers, result["result"]["entry_id"], options)
            return f"{result['title']}: added{said}"
        return f"{result['title']}: added"
    if result.get("reason") == "already_configured":
        return f"{title}: already added"
    return f"{title}: not added ({result.get('errors') or result.get('reason')})"


async def set_options(
    session: aiohttp.ClientSession,
    ha: str,
    headers: dict[str, str],
    entry_id: str,
    options: dict[str, Any],
) -> str:
    """Save options (the default extension) through the options flow; say what was set."""
    for _ in range(30):  # the form needs the entry loaded
        async with session.post(
            f"{ha}/api/config/config_entries/options/flow",
            json={"handler": entry_id},
            headers=headers,
        ) as response:
            flow = await response.json()
        if flow.get("type") == "form":
            break
        await asyncio.sleep(1)
    else:
        return f" (options not set: {flow.get('reason')})"
    async with session.post(
        f"{ha}/api/config/config_entries/options/flow/{flow['flow_id']}",
        json=options,
        headers=headers,
    ) as response:
        result = await response.json()
    if result.get("type") != "create_entry":
        return f" (options not set: {result.get('errors') or result.get('reason')})"
    return ", " + ", ".join(
        f"{key.replace('_', ' ')} {_said(value)}" for key, value in options.items()
    )


def _said(value: Any) -> str:
    """An option's value for the summary line: several lines are counted, not printed."""
    lines = str(value).splitlines()
    return f"({len(lines)} lines)" if len(lines) > 1 else str(value)


async def keep_http_settings(session: aiohttp.ClientSession, ha: str, token: str) -> None:
    """Confirm the `http:` settings of configuration.yaml, as "Confirm" in the frontend does.

    Since 2026.10 Home Assistant moves them to its storage as a trial and restarts with its
    defaults (port 8123, every address) when nobody confirms them within five minutes.
    Older releases have no such command; nothing pending is no error either.
    """
    async with session.ws_connect(f"{ha}/api/websocket") as socket:
        await socket.receive_json()
        await socket.send_json({"type": "auth", "access_token": token})
        if (await socket.receive_json()).get("type") != "auth_ok":
            return
        await socket.send_json({"id": 1, "type": "http/config/promote"})
        answer = await socket.receive_json()
    if answer.get("success"):
        print("demo: the demo's HTTP settings are confirmed")  # noqa: T201


async def ws_commands(
    session: aiohttp.ClientSession, ha: str, token: str, messages: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Send websocket commands one after the other; return their answers."""
    answers = []
    async with session.ws_connect(f"{ha}/api/websocket") as socket:
        await socket.receive_json()
        await socket.send_json({"type": "auth", "access_token": token})
        if (await socket.receive_json()).get("type") != "auth_ok":
            raise SystemExit("demo: the websocket API refused the demo user's token")
        for number, message in enumerate(messages, start=1):
            await socket.send_json({"id": number, **message})
            while (answer := await socket.receive_json()).get("id") != number:
                pass
            answers.append(answer)
    return answers


async def ws_command(
    session: aiohttp.ClientSession, ha: str, token: str, message: dict[str, Any]
) -> dict[str, Any]:
    """One websocket command's answer."""
    return (await ws_commands(session, ha, token, [message]))[0]


async def switchboard_dashboard(
    session: aiohttp.ClientSession, ha: str, token: str, callers: dict[str, str]
) -> str:
    """Make (or refresh) the Switchboard dashboard, one card per site, and the default; say so.

    Run again, it finds the dashboard by its url and saves the same view over it. It becomes
    the default dashboard as Settings > Dashboards > "Set as default" makes it: the `core`
    system data's `default_panel`.
    """
    headers = {"Authorization": f"Bearer {token}"}
    async with session.get(f"{ha}/api/config/config_entries/entry", headers=headers) as response:
        entries = [entry for entry in await response.json() if entry["domain"] == "pbx"]
    cards = []
    for entry in sorted(entries, key=lambda entry: entry["title"]):
        card = {
            "type": "custom:pbx-switchboard-card",
            "pbx": entry["entry_id"],
            "title": entry["title"],
        }
        if caller := callers.get(entry["title"]):  # the site's default extension calls
            card["caller"] = caller
        cards.append(card)
    listed = await ws_command(session, ha, token, {"type": "lovelace/dashboards/list"})
    if not any(item["url_path"] == DASHBOARD for item in listed.get("result") or []):
        made = await ws_command(
            session,
            ha,
            token,
            {
                "type": "lovelace/dashboards/create",
                "url_path": DASHBOARD,
                "title": "Switchboard",
                "icon": "mdi:phone-classic",
                "show_in_sidebar": True,
                "require_admin": False,
            },
        )
        if not made.get("success"):
            return f"the switchboard dashboard was not made ({made.get('error')})"
    view = {"title": "Switchboard", "path": "sites", "cards": cards}
    saved, system = await ws_commands(
        session,
        ha,
        token,
        [
            {"type": "lovelace/config/save", "url_path": DASHBOARD, "config": {"views": [view]}},
            {"type": "frontend/get_system_data", "key": "core"},
        ],
    )
    if not saved.get("success"):
        return f"the switchboard dashboard was not saved ({saved.get('error')})"
    core = (system.get("result") or {}).get("value") or {}
    if core.get("default_panel") != DASHBOARD:
        await ws_command(
            session,
            ha,
            token,
            {
                "type": "frontend/set_system_data",
                "key": "core",
                "value": {**core, "default_panel": DASHBOARD},
            },
        )
    return f"the switchboard dashboard ({len(cards)} sites) is at {ha}/{DASHBOARD}"


async def main() -> int:
    """Onboard, add the PBXs, print how to log in."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--ha", required=True)
    parser.add_argument("--simulator-log", required=True, type=Path)
    parser.add_argument("--config", required=True, type=Path)
    args = parser.parse_args()
    pbxs = await simulated_pbxs(args.simulator_log)
    async with aiohttp.ClientSession() as session:
        await wait_for(session, f"{args.ha}/manifest.json")
        token = await onboard(session, args.ha, args.config)
        await keep_http_settings(session, args.ha, token)
        callers = {
            inputs["title"]: str(inputs["options"]["default_extension"])
            for inputs in pbxs
            if "default_extension" in inputs.get("options", {})
        }
        for inputs in pbxs:
            print(f"demo: {await add_pbx(session, args.ha, token, inputs)}")  # noqa: T201
        board = await switchboard_dashboard(session, args.ha, token, callers)
        print(f"demo: {board}")  # noqa: T201
    dashboard = (
        f"demo: {args.ha}/{DASHBOARD} (the default dashboard) has a switchboard card per site.\n"
        if board.startswith("the switchboard dashboard (")
        else ""
    )
    print(  # noqa: T201
        f"\ndemo: Home Assistant is at {args.ha}  (user: {USERNAME}  password: {PASSWORD})\n"
        f"{dashboard}"
        "demo: Settings > Devices & services > PBX shows the phone systems and their devices."
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
