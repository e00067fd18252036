"""VoIPSUN call-center agents: each extension's agent number and PIN.

Agents of the VoIPSUN call center have their own agent numbers and PINs, distinct from the
extension numbers (the reference's example logs extension 100 in as `agentNumber=1000` with
`agentPin=1234`); the API cannot list them, so the user tells them, one line per extension:
`extension = agent_number:pin` (the PIN, or the agent number, may be left out).
"""

# Vendor reference: https://www.voipsun.cz/en/pbx-doc/navody/api/ ("Call Center Agent Management":
#   agentlogin with srcExtenInternalNum=100&agentNumber=1000&agentPin=1234)

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import logging
import re

_LOGGER = logging.getLogger(__name__)

_LINE = re.compile(
    r"^\s*(?P<extension>[^\s=:#]{1,40})\s*=\s*(?P<agent>[^\s=:#]{0,40})\s*"
    r"(?::\s*(?P<pin>[^\s=:#]{0,40}))?\s*$"
)


@dataclass(frozen=True, slots=True)
class AgentLogin:
    """What the call center knows an extension's agent by."""

    number: str
    """The agent number (`agentNumber`)."""
    pin: str | None = None
    """The agent's PIN (`agentPin`); `None`: the client's common PIN, if any."""


class AgentLineError(ValueError):
    """A line of the agents option that does not read as `extension = agent_number:pin`."""

    def __init__(self, line: str) -> None:
        """Keep the offending line (cut short: it is shown back to the user)."""
        super().__init__(line)
        self.line = line[:80]


def parse_agent_lines(text: str | None, *, strict: bool = True) -> dict[str, AgentLogin]:
    """Every extension's agent login, from `extension = agent_number:pin` lines.

    Empty lines and lines starting with `#` are skipped; an empty agent number means the
    extension's own number. A line that does not read raises `AgentLineError` naming it, or,
    unless `strict`, is skipped.
    """
    agents: dict[str, AgentLogin] = {}
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            if strict:
                raise AgentLineError(line)
            _LOGGER.debug("VoIPSUN agent line that does not read skipped")
            continue
        extension = match["extension"]
        agents[extension] = AgentLogin(match["agent"] or extension, match["pin"] or None)
    return agents


def agent_of(agents: Mapping[str, AgentLogin], extension: str) -> AgentLogin:
    """The agent login of `extension` (its own number when none is configured)."""
    return agents.get(extension) or AgentLogin(extension)


def extension_of(agents: Mapping[str, AgentLogin], agent_number: str) -> str:
    """The extension whose agent number is `agent_number` (itself when none is configured)."""
    for extension, login in agents.items():
        if login.number == agent_number:
            return extension
    return agent_number
