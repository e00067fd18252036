/**
 * The parts of Home Assistant's frontend objects the card reads: the `hass` object a card is
 * given, its states and its entity and device registry display entries.
 */

export interface HassEntity {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
  last_changed: string;
}

/** An entry of `hass.entities`: the entity registry as the frontend has it. */
export interface EntityRegistryDisplayEntry {
  entity_id: string;
  device_id?: string | null;
  platform?: string;
  translation_key?: string;
  hidden?: boolean;
}

/** An entry of `hass.devices`: the device registry as the frontend has it. */
export interface DeviceRegistryEntry {
  id: string;
  config_entries: string[];
  identifiers: [string, string][];
  name: string | null;
  name_by_user: string | null;
  model: string | null;
  via_device_id: string | null;
}

export interface ServiceCallResponse {
  context: { id: string };
  response?: unknown;
}

export interface HomeAssistant {
  states: Record<string, HassEntity | undefined>;
  entities: Record<string, EntityRegistryDisplayEntry | undefined>;
  devices: Record<string, DeviceRegistryEntry | undefined>;
  themes?: { darkMode?: boolean };
  locale?: { language?: string };
  callService(
    domain: string,
    service: string,
    data?: Record<string, unknown>,
    target?: Record<string, unknown>,
  ): Promise<ServiceCallResponse>;
  formatEntityState?: (stateObj: HassEntity, state?: string) => string;
}

/** A card's configuration in the dashboard. */
export interface SwitchboardCardConfig {
  type: string;
  title?: string;
  /** The config entry id of the PBX; the first PBX when omitted. */
  pbx?: string;
  /** The extension number calls are placed from; the PBX's default extension when omitted. */
  caller?: string | number;
  /** The extension numbers shown; every extension when omitted. */
  extensions?: (string | number)[];
  /** The queue numbers shown; every queue when omitted. */
  queues?: (string | number)[];
  show_queues?: boolean;
  tile_size?: TileSize;
}

export type TileSize = "small" | "medium" | "large";

/** A card the card picker offers for an entity: its configuration and what it is called. */
export interface CardSuggestion {
  label?: string;
  config: SwitchboardCardConfig;
}

export interface LovelaceCardEditor extends HTMLElement {
  hass?: HomeAssistant;
  setConfig(config: SwitchboardCardConfig): void;
}

declare global {
  interface Window {
    customCards?: {
      type: string;
      name: string;
      description?: string;
      preview?: boolean;
      documentationURL?: string;
      getEntitySuggestion?: (hass: HomeAssistant, entityId: string) => CardSuggestion | null;
    }[];
  }
  interface HTMLElementTagNameMap {
    "pbx-switchboard-card": HTMLElement;
  }
}
