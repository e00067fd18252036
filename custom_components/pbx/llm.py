"""The PBX's voice intents as tools for LLM agents (Home Assistant's Assist API)."""

from __future__ import annotations

from homeassistant.components.llm import LLMTools
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import intent
from homeassistant.helpers.llm import LLM_API_ASSIST, IntentTool, LLMContext, Tool

from .const import DOMAIN
from .intent import INTENTS, QUESTIONS

try:
    from homeassistant.helpers.llm import ToolAnnotations
except ImportError:  # Home Assistant before 2026.10
    ToolAnnotations = None  # type: ignore[assignment,misc]

# Home Assistant 2026.10 brought tool annotations and tool names prefixed with the
# integration's domain together; before it, an intent tool's name is the intent's type.
NAMESPACED = ToolAnnotations is not None


@callback
def async_get_tools(hass: HomeAssistant, llm_context: LLMContext, api_id: str) -> LLMTools | None:
    """One tool per intent while a PBX is loaded, named `pbx__<intent>` where supported."""
    if api_id != LLM_API_ASSIST or not any(
        entry.state is ConfigEntryState.LOADED
        for entry in hass.config_entries.async_entries(DOMAIN)
    ):
        return None
    tools: list[Tool] = []
    for handler in intent.async_get(hass):
        if handler.intent_type not in INTENTS:
            continue
        name = f"{DOMAIN}__{handler.intent_type}" if NAMESPACED else handler.intent_type
        tool = IntentTool(name, handler)
        tool.integration = DOMAIN
        if ToolAnnotations is not None:
            # Calls, pages and alarms act on the phone system outside Home Assistant;
            # questions (who called, missed calls, voicemail) only read.
            read_only = handler.intent_type in QUESTIONS
            tool.annotations = ToolAnnotations(
                read_only=read_only, destructive=False, open_world=not read_only
            )
        tools.append(tool)
    return LLMTools(tools=tools) if tools else None
