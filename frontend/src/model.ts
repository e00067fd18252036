/**
 * What the card shows, read from the integration's entities only: its PBXs, their extensions
 * and queues found through the device and entity registries, and a view model per tile.
 */

import type { DeviceRegistryEntry, HassEntity, HomeAssistant } from "./types";

export const DOMAIN = "pbx";

/** The states of an extension's status sensor, and `unknown` for no (or an unavailable) value. */
export type ExtensionStatus =
  | "idle"
  | "ringing"
  | "calling"
  | "in_call"
  | "on_hold"
  | "offline"
  | "unknown";

const STATUSES: ReadonlySet<string> = new Set([
  "idle",
  "ringing",
  "calling",
  "in_call",
  "on_hold",
  "offline",
]);

export const BUSY: ReadonlySet<ExtensionStatus> = new Set([
  "ringing",
  "calling",
  "in_call",
  "on_hold",
]);

/** The entities of one extension device, by what they show. */
export interface ExtensionEntry {
  number: string;
  name: string;
  deviceId: string;
  status?: string;
  dnd?: string;
  call?: string;
}

export interface QueueEntry {
  number: string;
  name: string;
  deviceId: string;
  waiting?: string;
  available?: string;
}

/** One PBX: a config entry of the integration, with its devices. */
export interface PbxEntry {
  entryId: string;
  deviceId: string;
  name: string;
  extensions: ExtensionEntry[];
  queues: QueueEntry[];
  activeCalls?: string;
  events?: string;
}

const byNumber = (a: { number: string }, b: { number: string }): number =>
  a.number.localeCompare(b.number, undefined, { numeric: true });

function deviceName(device: DeviceRegistryEntry): string {
  return device.name_by_user ?? device.name ?? "";
}

/** A subject's own name: the device name without the " (number)" the integration adds. */
export function subjectName(device: DeviceRegistryEntry, number: string): string {
  const name = deviceName(device);
  const suffix = ` (${number})`;
  if (name.endsWith(suffix)) return name.slice(0, -suffix.length);
  return name === number ? "" : name;
}

function pbxIdentifier(device: DeviceRegistryEntry): string | undefined {
  return device.identifiers.find(([domain]) => domain === DOMAIN)?.[1];
}

/**
 * Every PBX of the integration with its extensions and queues, from `hass.devices` and
 * `hass.entities`. The PBX device has the identifier `{uid}`; its extension and queue devices
 * `{uid}-ext-{number}` and `{uid}-queue-{number}`, linked to it by `via_device_id`.
 */
export function readPbxs(hass: HomeAssistant): PbxEntry[] {
  const pbxs = new Map<string, PbxEntry & { uid: string }>();
  const children: DeviceRegistryEntry[] = [];
  for (const device of Object.values(hass.devices)) {
    if (device === undefined) continue;
    const uid = pbxIdentifier(device);
    if (uid === undefined) continue;
    if (device.via_device_id) {
      children.push(device);
      continue;
    }
    pbxs.set(device.id, {
      uid,
      entryId: device.config_entries[0] ?? "",
      deviceId: device.id,
      name: deviceName(device),
      extensions: [],
      queues: [],
    });
  }
  const extensions = new Map<string, ExtensionEntry>();
  const queues = new Map<string, QueueEntry>();
  for (const device of children) {
    const pbx = pbxs.get(device.via_device_id ?? "");
    const ident = pbxIdentifier(device);
    if (pbx === undefined || ident === undefined) continue;
    const rest = ident.startsWith(`${pbx.uid}-`) ? ident.slice(pbx.uid.length + 1) : "";
    if (rest.startsWith("ext-")) {
      const number = rest.slice(4);
      const entry = { number, name: subjectName(device, number), deviceId: device.id };
      pbx.extensions.push(entry);
      extensions.set(device.id, entry);
    } else if (rest.startsWith("queue-")) {
      const number = rest.slice(6);
      const entry = { number, name: subjectName(device, number), deviceId: device.id };
      pbx.queues.push(entry);
      queues.set(device.id, entry);
    }
  }
  for (const entity of Object.values(hass.entities)) {
    if (entity?.platform !== DOMAIN || !entity.device_id) continue;
    const id = entity.entity_id;
    const key = entity.translation_key;
    const extension = extensions.get(entity.device_id);
    if (extension !== undefined) {
      if (key === "extension_status") extension.status = id;
      else if (key === "dnd") extension.dnd = id;
      else if (key === "call") extension.call = id;
      continue;
    }
    const queue = queues.get(entity.device_id);
    if (queue !== undefined) {
      if (key === "queue_waiting") queue.waiting = id;
      else if (key === "queue_agents_available") queue.available = id;
      continue;
    }
    const pbx = pbxs.get(entity.device_id);
    if (pbx !== undefined) {
      if (key === "active_calls") pbx.activeCalls = id;
      else if (key === "events") pbx.events = id;
    }
  }
  const found: PbxEntry[] = [...pbxs.values()];
  for (const pbx of found) {
    pbx.extensions.sort(byNumber);
    pbx.queues.sort(byNumber);
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** What one tile shows; tiles whose model is unchanged keep the same object (and don't render). */
export interface TileModel {
  readonly number: string;
  readonly name: string;
  readonly status: ExtensionStatus;
  readonly statusLabel: string;
  /** `null` where the PBX has no do-not-disturb. */
  readonly dnd: boolean | null;
  /** The other party while the extension rings or talks: "Name (number)" or the number. */
  readonly peer: string | null;
}

export function statusOf(state: HassEntity | undefined): ExtensionStatus {
  const value = state?.state;
  return value !== undefined && STATUSES.has(value) ? (value as ExtensionStatus) : "unknown";
}

function text(value: unknown): string | null {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number") return String(value);
  return null;
}

/** The other party of the extension's current call, from its call event entity's last event. */
export function peerOf(status: ExtensionStatus, call: HassEntity | undefined): string | null {
  if (!BUSY.has(status) || call === undefined) return null;
  const event = call.attributes;
  const type = event.event_type;
  if (type !== "incoming" && type !== "outgoing" && type !== "answered") return null;
  const outbound = type === "outgoing" || event.direction === "outbound";
  const number = outbound ? text(event.callee_number) : text(event.caller_number);
  const name = outbound ? null : text(event.caller_name);
  if (number === null) return name;
  return name !== null && name !== number ? `${name} (${number})` : number;
}

function sameTile(a: TileModel, b: TileModel): boolean {
  return (
    a.number === b.number &&
    a.name === b.name &&
    a.status === b.status &&
    a.statusLabel === b.statusLabel &&
    a.dnd === b.dnd &&
    a.peer === b.peer
  );
}

/**
 * Makes tile models from states, keeping the previous object of a tile whose content did not
 * change, so that only changed tiles are given a new value and render again.
 */
export class TileModels {
  private previous = new Map<string, TileModel>();
  private labels = new Map<string, string>();
  private labelsFor: unknown = undefined;

  build(hass: HomeAssistant, extensions: readonly ExtensionEntry[]): TileModel[] {
    if (this.labelsFor !== hass.formatEntityState) {
      // A new formatter (another language): labels are formatted again.
      this.labels.clear();
      this.labelsFor = hass.formatEntityState;
    }
    const next = new Map<string, TileModel>();
    const tiles = extensions.map((extension) => {
      const state = extension.status ? hass.states[extension.status] : undefined;
      const status = statusOf(state);
      const dndState = extension.dnd ? hass.states[extension.dnd]?.state : undefined;
      const tile: TileModel = {
        number: extension.number,
        name: extension.name,
        status,
        statusLabel: this.label(hass, state, status),
        dnd: extension.dnd === undefined ? null : dndState === "on",
        peer: peerOf(status, extension.call ? hass.states[extension.call] : undefined),
      };
      const before = this.previous.get(extension.number);
      const kept = before !== undefined && sameTile(before, tile) ? before : tile;
      next.set(extension.number, kept);
      return kept;
    });
    this.previous = next;
    return tiles;
  }

  private label(hass: HomeAssistant, state: HassEntity | undefined, status: ExtensionStatus): string {
    const key = state?.state ?? "unknown";
    let label = this.labels.get(key);
    if (label === undefined) {
      label =
        state !== undefined && hass.formatEntityState
          ? hass.formatEntityState(state)
          : FALLBACK_LABELS[status];
      this.labels.set(key, label);
    }
    return label;
  }
}

export const FALLBACK_LABELS: Record<ExtensionStatus, string> = {
  idle: "Idle",
  ringing: "Ringing",
  calling: "Calling",
  in_call: "In a call",
  on_hold: "On hold",
  offline: "Offline",
  unknown: "Unknown",
};

export type Filter = "all" | "busy" | "offline";

/** Whether a tile passes the filter and the search text (name or number). */
export function shown(tile: TileModel, filter: Filter, search: string): boolean {
  if (filter === "busy" && !BUSY.has(tile.status)) return false;
  if (filter === "offline" && tile.status !== "offline" && tile.status !== "unknown") return false;
  if (search === "") return true;
  return tile.number.includes(search) || tile.name.toLowerCase().includes(search);
}
