"""Which PBX and which extension a person means: one rule for actions, voice and the card.

An action, a voice command or a dashboard button names its extension as an extension device,
an extension entity (any entity of the extension's device), or an extension number (voice: a
name, a number, "room 204"), with or without the PBX (`config_entry_id`). The PBX is then:

1. the one named, or the one the device or entity belongs to (or the call, by its id);
2. else the only one loaded;
3. else the only one that has every extension named;
4. else, when the command uses the default extension, the only one that has one set;
5. else none: a translated error names the PBXs and how to choose.

Errors are `ServiceValidationError`s with translation keys, which the actions raise and the
intents speak.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
import re
from typing import Any, Final, cast

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er, service

from .api.models import Extension
from .const import CONF_DEFAULT_EXTENSION, DOMAIN
from .coordinator import PbxConfigEntry, Subject
from .entity import device_identifier

ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_DEVICE_ID: Final = "device_id"
ATTR_ENTITY_ID: Final = "entity_id"
ATTR_EXTENSION: Final = "extension"
ATTR_CALL_ID: Final = "call_id"

type Finds = Callable[[PbxConfigEntry, str], bool]
"""Whether a PBX has the extension a text names."""


def invalid(key: str, **placeholders: str) -> ServiceValidationError:
    """A translated error of this integration."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


def loaded(entry: ConfigEntry) -> PbxConfigEntry:
    """The entry, once it is known to be loaded."""
    if entry.state is not ConfigEntryState.LOADED:
        raise invalid("entry_not_loaded", pbx=entry.title)
    return cast(PbxConfigEntry, entry)


def loaded_entries(hass: HomeAssistant) -> list[PbxConfigEntry]:
    """The loaded PBX entries; raise a translated error when there is none."""
    entries = [cast(PbxConfigEntry, e) for e in hass.config_entries.async_loaded_entries(DOMAIN)]
    if not entries:
        raise invalid("no_loaded_entry")
    return entries


def _titles(entries: Iterable[PbxConfigEntry]) -> str:
    return ", ".join(sorted(entry.title for entry in entries))


def has_number(entry: PbxConfigEntry, number: str) -> bool:
    """Whether the PBX has the extension `number`."""
    return number in entry.runtime_data.coordinator.data.extensions


def choose_entry(
    hass: HomeAssistant,
    wanted: Sequence[str] = (),
    *,
    needs_default: bool = False,
    finds: Finds = has_number,
    skip_unknown: bool = False,
) -> PbxConfigEntry:
    """The PBX meant when none is named (rules 2 to 5 of the module).

    `wanted` are the extensions named (numbers, or what `finds` understands). A text no PBX
    has is an error, unless `skip_unknown` (a spoken name may be an outside number).
    """
    entries = loaded_entries(hass)
    if len(entries) == 1:
        return entries[0]
    candidates = entries
    for text in wanted:
        having = [entry for entry in candidates if finds(entry, text)]
        if having:
            candidates = having
        elif not skip_unknown:
            raise invalid("extension_on_no_pbx", extension=text, pbxs=_titles(candidates))
    if needs_default and len(candidates) > 1:
        with_default = [e for e in candidates if e.options.get(CONF_DEFAULT_EXTENSION)]
        candidates = with_default or candidates
    if len(candidates) == 1:
        return candidates[0]
    named = [text for text in wanted if all(finds(entry, text) for entry in candidates)]
    if named:
        raise invalid("extension_on_several_pbxs", extension=named[-1], pbxs=_titles(candidates))
    raise invalid("entry_required", pbxs=_titles(candidates))


def choose_entry_of_call(hass: HomeAssistant, call_id: str) -> PbxConfigEntry:
    """The PBX meant for a call: the only one with that call in progress, else `choose_entry`
    (as for a command on the default extension)."""
    entries = loaded_entries(hass)
    having = [e for e in entries if call_id in e.runtime_data.coordinator.data.calls]
    if len(having) == 1:
        return having[0]
    return choose_entry(hass, needs_default=True)


def resolve_entry(hass: HomeAssistant, config_entry_id: str) -> PbxConfigEntry:
    """The loaded PBX entry `config_entry_id`."""
    # Home Assistant's own checks and errors: no such entry, another integration's, not loaded.
    return cast(PbxConfigEntry, service.async_get_config_entry(hass, DOMAIN, config_entry_id))


def resolve_device(hass: HomeAssistant, device_id: str) -> tuple[PbxConfigEntry, str]:
    """The loaded PBX entry and the extension number of an extension device."""
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        raise invalid("device_not_found", device_id=device_id)
    entry = hass.config_entries.async_get_entry(device.config_entry_id)
    if entry is not None and entry.domain == DOMAIN:
        _, prefix = device_identifier(entry.unique_id or "", (Subject.EXTENSION, ""))
        for domain, ident in device.identifiers:
            if domain == DOMAIN and ident.startswith(prefix) and len(ident) > len(prefix):
                return loaded(entry), ident[len(prefix) :]
    raise invalid("not_an_extension", device=device.name_by_user or device.name or device_id)


def resolve_entity(hass: HomeAssistant, entity_id: str) -> tuple[PbxConfigEntry, str]:
    """The loaded PBX entry and the extension of an extension's entity (its device's)."""
    registered = er.async_get(hass).async_get(entity_id)
    if registered is None or registered.platform != DOMAIN or registered.device_id is None:
        raise invalid("not_an_extension_entity", entity_id=entity_id)
    return resolve_device(hass, registered.device_id)


def check_extension(entry: PbxConfigEntry, number: str) -> str:
    """Return `number` when the PBX has that extension; raise a translated error otherwise."""
    if not has_number(entry, number):
        raise invalid("unknown_extension", extension=number, pbx=entry.title)
    return number


def resolve_target(
    hass: HomeAssistant, data: Mapping[str, Any], *, use_default: bool = True
) -> tuple[PbxConfigEntry, str | None]:
    """The PBX entry and the extension (if any) named by an action's data.

    `data` may hold `device_id`, `entity_id`, or `extension` and `config_entry_id`; a
    `call_id` alone names the PBX that has the call. Without an extension, it is the entry's
    default extension when `use_default`, else `None`.
    The extension, when there is one, is checked to exist on the PBX.
    """
    config_entry_id: str | None = data.get(ATTR_CONFIG_ENTRY_ID)
    extension: str | None
    device_id: str | None = data.get(ATTR_DEVICE_ID)
    entity_id: str | None = data.get(ATTR_ENTITY_ID)
    if device_id is not None or entity_id is not None:
        if device_id is not None:
            entry, extension = resolve_device(hass, device_id)
        else:
            assert entity_id is not None
            entry, extension = resolve_entity(hass, entity_id)
        if config_entry_id is not None and config_entry_id != entry.entry_id:
            named = str(device_id or entity_id)
            raise invalid("device_not_in_entry", device_id=named, pbx=entry.title)
    else:
        extension = data.get(ATTR_EXTENSION)
        if config_entry_id is not None:
            entry = resolve_entry(hass, config_entry_id)
        elif extension is not None:
            entry = choose_entry(hass, [extension])
        elif (call_id := data.get(ATTR_CALL_ID)) is not None:
            entry = choose_entry_of_call(hass, call_id)
        else:
            entry = choose_entry(hass, needs_default=True)
        if extension is None and use_default:
            extension = entry.options.get(CONF_DEFAULT_EXTENSION) or None
    if extension is not None:
        check_extension(entry, extension)
    return entry, extension


def resolve_extension(hass: HomeAssistant, data: Mapping[str, Any]) -> tuple[PbxConfigEntry, str]:
    """Like `resolve_target`, for actions that need an extension: raise when none is given."""
    entry, extension = resolve_target(hass, data)
    if extension is None:
        raise invalid("extension_required", pbx=entry.title)
    return entry, extension


# Extensions as people say them ------------------------------------------------------------

_SELF_WORDS: Final = frozenset({"me", "my", "mine", "myself", "i"})
_PREFIX_WORDS: Final = frozenset(
    {"the", "room", "extension", "ext", "number", "phone", "apartment", "suite", "group", "paging"}
)
_DIGIT_WORDS: Final = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_DIALABLE_RE = re.compile(r"^\+?[0-9*#]+$")


def norm(text: str) -> str:
    """Lower case words (and `+`, `*`, `#`), single-spaced: the form names are compared in."""
    return " ".join(re.findall(r"[^\W_]+|[+*#]", text.casefold()))


def as_number(text: str) -> str | None:
    """The digits of a spoken or written number ("2 0 4", "two oh four", "+1 555-0100")."""
    digits = [_DIGIT_WORDS.get(word, word) for word in norm(text).replace("plus", "+").split()]
    number = "".join(digits)
    return number if _DIALABLE_RE.match(number) else None


def variants(text: str) -> list[str]:
    """The text, then without its leading "the", "room", "extension", ... words."""
    words = norm(text).split()
    found = [" ".join(words)]
    while words and words[0] in _PREFIX_WORDS:
        words = words[1:]
        if words:
            found.append(" ".join(words))
    return found


def is_self(text: str | None) -> bool:
    """Whether the text names the speaker ("me"): the PBX's default extension."""
    return text is not None and norm(text) in _SELF_WORDS


def find_extension(entry: PbxConfigEntry, text: str) -> Extension | None:
    """The extension of the PBX that the text names, by number or name (case-insensitive).

    "room 204" and "extension 204" find 204; a name matches whole (ignoring a leading
    "the"), or by some of its words when they fit only one extension ("porter").
    """
    extensions = entry.runtime_data.coordinator.data.extensions
    said = variants(text)
    for variant in said:
        number = as_number(variant)
        if number is not None and number in extensions:
            return extensions[number]
        for extension in extensions.values():
            if extension.name and norm(extension.name) == variant:
                return extension
    words = set(said[-1].split())
    partial = [
        extension
        for extension in extensions.values()
        if extension.name and words and words <= set(norm(extension.name).split())
    ]
    return partial[0] if len(partial) == 1 else None


def names_extension(entry: PbxConfigEntry, text: str) -> bool:
    """Whether the PBX has the extension a spoken text names (`Finds` for voice)."""
    return find_extension(entry, text) is not None
