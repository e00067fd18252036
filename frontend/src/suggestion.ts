/**
 * The card the dashboard's card picker suggests for an entity of a PBX: the switchboard of the
 * PBX the entity belongs to (its own device or the PBX its extension or queue is part of).
 * Home Assistant's frontend asks each `window.customCards` entry's `getEntitySuggestion`.
 */

import { DOMAIN, readPbxs } from "./model";
import type { CardSuggestion, HomeAssistant } from "./types";

export function switchboardSuggestion(
  hass: HomeAssistant,
  entityId: string,
): CardSuggestion | null {
  const entity = hass.entities[entityId];
  if (entity?.platform !== DOMAIN || !entity.device_id) return null;
  const device = hass.devices[entity.device_id];
  if (device === undefined) return null;
  const pbxDeviceId = device.via_device_id ?? device.id;
  const pbx = readPbxs(hass).find((candidate) => candidate.deviceId === pbxDeviceId);
  if (pbx === undefined) return null;
  return {
    label: `Switchboard of ${pbx.name}`,
    config: { type: "custom:pbx-switchboard-card", pbx: pbx.entryId },
  };
}
