"""Config flow: choose the vendor, fill its form, test the connection; reauth; reconfigure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_NAME, CONF_VERIFY_SSL
from homeassistant.core import callback
from homeassistant.helpers import selector
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import (
    PbxApiDisabledError,
    PbxAuthError,
    PbxConnectionError,
    PbxError,
    PbxIpForbiddenError,
    PbxTlsError,
    Vendor,
)
from .api.models import PbxInfo
from .caller_names import UserNamesError, parse_user_names
from .connection import (
    CONNECTIONS,
    ConnectionField,
    FieldKind,
    OptionField,
    OptionInvalidError,
    create_client,
)
from .const import (
    CONF_CALLER_NAMES,
    CONF_DEFAULT_EXTENSION,
    CONF_EXTENSIONS,
    CONF_TRANSPORT,
    CONF_VENDOR,
    DOMAIN,
    LOGGER,
    MANUFACTURERS,
    Transport,
)
from .coordinator import PbxConfigEntry
from .push import async_push_address, chosen_transport, transports
from .validation import vol

ERRORS: tuple[tuple[type[PbxError], str], ...] = (
    (PbxTlsError, "tls_untrusted"),
    (PbxConnectionError, "cannot_connect"),
    (PbxApiDisabledError, "api_disabled"),
    (PbxIpForbiddenError, "ip_forbidden"),
    (PbxAuthError, "invalid_auth"),
)


def _selector(field: ConnectionField | OptionField) -> Any:
    if field.kind == FieldKind.NUMBER and isinstance(field, OptionField):
        config = selector.NumberSelectorConfig(
            min=field.minimum, max=field.maximum, mode=selector.NumberSelectorMode.BOX, step=1
        )
        return vol.All(selector.NumberSelector(config), vol.Coerce(int))
    if field.kind == FieldKind.LINES:
        return selector.TextSelector(selector.TextSelectorConfig(multiline=True))
    if field.kind == FieldKind.BOOL:
        return selector.BooleanSelector()
    if field.kind == FieldKind.PORT:
        return vol.All(
            selector.NumberSelector(
                selector.NumberSelectorConfig(
                    min=1, max=65535, mode=selector.NumberSelectorMode.BOX
                )
            ),
            vol.Coerce(int),
        )
    if field.kind == FieldKind.SECRET:
        return selector.TextSelector(
            selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
        )
    return selector.TextSelector()


def connection_schema(
    fields: tuple[ConnectionField, ...],
    values: Mapping[str, Any] | None = None,
    *,
    typed: Mapping[str, Any] | None = None,
    keep_secrets: bool = False,
) -> vol.Schema:
    """The form for `fields`, suggesting `values` or the defaults.

    Stored secrets are never suggested; a secret the user just `typed` is, so that a form
    shown again after an error still has it. With `keep_secrets`, secret fields may stay
    empty to keep the stored value.
    """
    schema: dict[Any, Any] = {}
    for field in fields:
        value = (values or {}).get(field.key)
        if field.kind == FieldKind.SECRET:
            value = (typed or {}).get(field.key) or None
        if value is None:
            value = field.default
        if field.kind == FieldKind.BOOL:
            key: Any = vol.Required(field.key, default=bool(value))
        elif field.optional or (field.kind == FieldKind.SECRET and keep_secrets):
            suggested = {"suggested_value": value} if value is not None else None
            key = vol.Optional(field.key, description=suggested)
        else:
            suggested = {"suggested_value": value} if value is not None else None
            key = vol.Required(field.key, description=suggested)
        schema[key] = _selector(field)
    return vol.Schema(schema)


def entry_title(info: PbxInfo, name: str | None = None) -> str:
    """The entry's title, in one style for every PBX: "<name> (<make>)".

    The name is the one typed in the form, else the PBX's own ("Seaside Hotel"); a PBX that
    has none describes itself by its make and address ("Synway IPPBX (10.0.0.2)"), which is
    kept as it is rather than naming the make twice.
    """
    manufacturer = MANUFACTURERS[info.vendor.value]
    if name:
        return f"{name} ({manufacturer})"
    if manufacturer.casefold() in info.name.casefold():
        return info.name
    return f"{info.name} ({manufacturer})"


def with_name_field(schema: vol.Schema, name: str | None) -> vol.Schema:
    """The connection form with the optional name of the PBX ("Seaside Hotel") first."""
    suggested = {"suggested_value": name} if name else None
    return vol.Schema(
        {vol.Optional(CONF_NAME, description=suggested): selector.TextSelector(), **schema.schema}
    )


class PbxConfigFlow(ConfigFlow, domain=DOMAIN):
    """Adds a PBX: the vendor first, then its connection form."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        """Start with no vendor chosen."""
        self._vendor: Vendor | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> PbxOptionsFlow:
        """The options: which extensions, the default extension, the event transport."""
        return PbxOptionsFlow()

    async def _async_test(self, data: Mapping[str, Any]) -> tuple[PbxInfo | None, str | None]:
        """Connect with `data`; return the PBX's identity or the form error key."""
        client = create_client(async_get_clientsession(self.hass), data)
        try:
            return await client.async_connect(), None
        except PbxError as err:
            if isinstance(err, PbxTlsError) and not data.get(CONF_VERIFY_SSL, True):
                # Nothing was verified, so the handshake itself failed: the port serves no
                # HTTPS (or speaks it badly), which no certificate setting changes.
                return None, "not_https"
            for error_class, key in ERRORS:
                if isinstance(err, error_class):
                    return None, key
            return None, "unknown"
        except Exception:
            LOGGER.exception("Unexpected error while connecting to the PBX")
            return None, "unknown"
        finally:
            await client.async_close()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose the PBX family."""
        if user_input is not None:
            self._vendor = Vendor(user_input[CONF_VENDOR])
            return await self._async_step_connection(None)
        return self.async_show_form(
            step_id="user",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_VENDOR): selector.SelectSelector(
                        selector.SelectSelectorConfig(
                            options=[vendor.value for vendor in CONNECTIONS],
                            translation_key=CONF_VENDOR,
                            mode=selector.SelectSelectorMode.LIST,
                        )
                    )
                }
            ),
        )

    async def async_step_yeastar(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Yeastar P-Series connection form."""
        return await self._async_step_connection(user_input)

    async def async_step_synway(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Synway IPPBX connection form."""
        return await self._async_step_connection(user_input)

    async def async_step_mirta(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """MiRTA PBX connection form."""
        return await self._async_step_connection(user_input)

    async def async_step_voipsun(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """VoIPSUN PBX connection form."""
        return await self._async_step_connection(user_input)

    async def async_step_telphin(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Telphin (cloud) connection form."""
        return await self._async_step_connection(user_input)

    async def _async_step_connection(self, user_input: dict[str, Any] | None) -> ConfigFlowResult:
        """The chosen vendor's connection form; the connection is tested before saving."""
        assert self._vendor is not None
        fields = CONNECTIONS[self._vendor].fields
        errors: dict[str, str] = {}
        name: str | None = None
        if user_input is not None:
            user_input = dict(user_input)
            name = str(user_input.pop(CONF_NAME, "") or "").strip() or None
            data = {CONF_VENDOR: self._vendor.value, **user_input}
            info, error = await self._async_test(data)
            if info is not None:
                await self.async_set_unique_id(info.unique_id)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(title=entry_title(info, name), data=data)
            errors["base"] = error or "unknown"
        return self.async_show_form(
            step_id=self._vendor.value,
            data_schema=with_name_field(
                connection_schema(fields, user_input, typed=user_input), name
            ),
            errors=errors,
            description_placeholders={"vendor": MANUFACTURERS[self._vendor.value]},
            last_step=True,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The PBX refused the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the credentials again."""
        entry = self._get_reauth_entry()
        vendor = Vendor(entry.data[CONF_VENDOR])
        fields = tuple(field for field in CONNECTIONS[vendor].fields if field.credential)
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, **user_input}
            info, error = await self._async_test(data)
            if info is not None:
                await self.async_set_unique_id(info.unique_id)
                self._abort_if_unique_id_mismatch(reason="wrong_pbx")
                return self.async_update_reload_and_abort(entry, data=data)
            errors["base"] = error or "unknown"
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=connection_schema(
                fields, {**entry.data, **(user_input or {})}, typed=user_input
            ),
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change how the PBX is reached; it must remain the same PBX."""
        entry = self._get_reconfigure_entry()
        vendor = Vendor(entry.data[CONF_VENDOR])
        fields = CONNECTIONS[vendor].fields
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, **{k: v for k, v in user_input.items() if v != ""}}
            info, error = await self._async_test(data)
            if info is not None:
                await self.async_set_unique_id(info.unique_id)
                self._abort_if_unique_id_mismatch(reason="wrong_pbx")
                return self.async_update_reload_and_abort(entry, data=data)
            errors["base"] = error or "unknown"
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=connection_schema(
                fields, {**entry.data, **(user_input or {})}, typed=user_input, keep_secrets=True
            ),
            errors=errors,
            description_placeholders={"name": entry.title},
        )


class PbxOptionsFlow(OptionsFlowWithReload):
    """Which extensions to bring in, the default extension, and how events arrive.

    Saving changed options reloads the entry (Home Assistant does it).
    """

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One form with every option; it needs the PBX's extensions, so a loaded entry."""
        entry: PbxConfigEntry = self.config_entry
        if entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="not_loaded")
        client = entry.runtime_data.client
        extensions = entry.runtime_data.coordinator.data.extensions
        vendor_options = CONNECTIONS[Vendor(entry.data[CONF_VENDOR])].options
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            user_input = _keep_stored_secrets(vendor_options, entry.options, user_input)
            chosen = user_input.get(CONF_EXTENSIONS) or []
            default = user_input.get(CONF_DEFAULT_EXTENSION)
            if default and chosen and default not in chosen:
                errors[CONF_DEFAULT_EXTENSION] = "default_not_included"
            try:
                parse_user_names(user_input.get(CONF_CALLER_NAMES))
            except UserNamesError as err:
                errors[CONF_CALLER_NAMES] = "caller_name_line"
                placeholders["line"] = err.line
            for field in vendor_options:
                value = user_input.get(field.key)
                if field.check is None or value is None or value == "":
                    continue
                try:
                    field.check(value)
                except OptionInvalidError as err:
                    errors[field.key] = err.error
                    placeholders.update(err.placeholders)
            if not errors:
                return self.async_create_entry(data=user_input)
        numbers = sorted(extensions, key=lambda number: (len(number), number))
        choices = [
            selector.SelectOptionDict(value=number, label=extensions[number].display_name)
            for number in numbers
        ]
        values = {**entry.options, **(user_input or {})}
        schema: dict[Any, Any] = {
            vol.Optional(
                CONF_EXTENSIONS, description={"suggested_value": values.get(CONF_EXTENSIONS)}
            ): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=choices, multiple=True, mode=selector.SelectSelectorMode.DROPDOWN
                )
            ),
            vol.Optional(
                CONF_DEFAULT_EXTENSION,
                description={"suggested_value": values.get(CONF_DEFAULT_EXTENSION)},
            ): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=choices, mode=selector.SelectSelectorMode.DROPDOWN
                )
            ),
        }
        schema[
            vol.Optional(
                CONF_CALLER_NAMES, description={"suggested_value": values.get(CONF_CALLER_NAMES)}
            )
        ] = selector.TextSelector(selector.TextSelectorConfig(multiline=True))
        offered = transports(client)
        push_address = None
        if Transport.WEBHOOK in offered:
            push_address = await async_push_address(self.hass, entry)
        if len(offered) > 1:
            current = values.get(CONF_TRANSPORT) or chosen_transport(entry, client)
            schema[vol.Required(CONF_TRANSPORT, default=current)] = selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[transport.value for transport in offered],
                    translation_key="transport",
                )
            )
        for field in vendor_options:
            value = None if field.kind == FieldKind.SECRET else values.get(field.key)
            if value is None:
                value = field.default
            suggested = {"suggested_value": value} if value is not None else None
            schema[vol.Optional(field.key, description=suggested)] = _selector(field)
        return self.async_show_form(
            step_id="init",
            data_schema=vol.Schema(schema),
            errors=errors,
            description_placeholders={
                "push_url": push_address or "-",
                "line": "-",
                **placeholders,
            },
        )


def _keep_stored_secrets(
    fields: tuple[OptionField, ...], stored: Mapping[str, Any], user_input: dict[str, Any]
) -> dict[str, Any]:
    """The submitted options, with each secret left empty keeping its stored value."""
    kept = dict(user_input)
    for field in fields:
        if field.kind == FieldKind.SECRET and not kept.get(field.key) and stored.get(field.key):
            kept[field.key] = stored[field.key]
    return kept
