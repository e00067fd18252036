/** `pbx-switchboard-card-editor`: the card's visual editor, a Home Assistant form. */

import { html, LitElement, nothing } from "lit";

import { readPbxs } from "./model";
import type { HomeAssistant, SwitchboardCardConfig } from "./types";

interface Option {
  value: string;
  label: string;
}

const LABELS: Record<string, string> = {
  title: "Title",
  pbx: "PBX",
  caller: "Call from extension",
  extensions: "Extensions shown (none: all)",
  queues: "Queues shown (none: all)",
  show_queues: "Show queues",
  tile_size: "Tile size",
};

const TILE_SIZES: Option[] = [
  { value: "small", label: "Small" },
  { value: "medium", label: "Medium" },
  { value: "large", label: "Large" },
];

function select(options: Option[], multiple = false): Record<string, unknown> {
  return { select: { options, multiple, mode: "dropdown", custom_value: !multiple } };
}

export class SwitchboardCardEditor extends LitElement {
  static override properties = {
    hass: { attribute: false },
    config: { state: true },
  };

  declare hass: HomeAssistant | undefined;
  declare config: SwitchboardCardConfig | undefined;

  setConfig(config: SwitchboardCardConfig): void {
    this.config = config;
  }

  /** The form's fields, with the PBXs, extensions and queues there are to pick from. */
  private schema(): Record<string, unknown>[] {
    const pbxs = this.hass ? readPbxs(this.hass) : [];
    const pbx = pbxs.find((found) => found.entryId === this.config?.pbx) ?? pbxs[0];
    const numbered = (items: { number: string; name: string }[]): Option[] =>
      items.map((item) => ({
        value: item.number,
        label: item.name ? `${item.name} (${item.number})` : item.number,
      }));
    const extensions = numbered(pbx?.extensions ?? []);
    return [
      { name: "title", selector: { text: {} } },
      { name: "pbx", selector: select(pbxs.map((p) => ({ value: p.entryId, label: p.name }))) },
      { name: "caller", selector: select(extensions) },
      { name: "extensions", selector: select(extensions, true) },
      { name: "queues", selector: select(numbered(pbx?.queues ?? []), true) },
      {
        type: "grid",
        name: "",
        schema: [
          { name: "show_queues", selector: { boolean: {} } },
          { name: "tile_size", selector: { select: { options: TILE_SIZES, mode: "dropdown" } } },
        ],
      },
    ];
  }

  private readonly changed = (ev: CustomEvent<{ value: Record<string, unknown> }>): void => {
    ev.stopPropagation();
    const config = Object.fromEntries(
      Object.entries(ev.detail.value).filter(
        ([, value]) =>
          value !== "" && value !== undefined && !(Array.isArray(value) && value.length === 0),
      ),
    );
    this.dispatchEvent(
      new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true }),
    );
  };

  protected override render(): unknown {
    if (this.hass === undefined || this.config === undefined) return nothing;
    return html`<ha-form
      .hass=${this.hass}
      .data=${{ show_queues: true, tile_size: "medium", ...this.config }}
      .schema=${this.schema()}
      .computeLabel=${(field: { name: string }) => LABELS[field.name] ?? field.name}
      @value-changed=${this.changed}
    ></ha-form>`;
  }
}
