/** The switchboard card's entry point: defines its elements and lists it in the card picker. */

import { SwitchboardCard } from "./card";
import { SwitchboardCardEditor } from "./editor";
import { switchboardSuggestion } from "./suggestion";
import { SwitchboardTile } from "./tile";

const ELEMENTS: [string, CustomElementConstructor][] = [
  ["pbx-switchboard-tile", SwitchboardTile],
  ["pbx-switchboard-card-editor", SwitchboardCardEditor],
  ["pbx-switchboard-card", SwitchboardCard],
];

// The file may be loaded twice (a dashboard resource and a manual one): define once.
for (const [name, element] of ELEMENTS) {
  if (customElements.get(name) === undefined) customElements.define(name, element);
}

window.customCards = window.customCards ?? [];
if (!window.customCards.some((card) => card.type === "pbx-switchboard-card")) {
  window.customCards.push({
    type: "pbx-switchboard-card",
    name: "PBX switchboard",
    description: "Every extension of a PBX at a glance: live state, calls, queues; click to call.",
    preview: false,
    documentationURL: "https://github.com/pbx-home-assistant/pbx#switchboard-card",
    // Suggested in the card picker for a PBX's entities (Home Assistant 2026.8 and newer).
    getEntitySuggestion: switchboardSuggestion,
  });
}
