/** `pbx-switchboard-card`: every extension of a PBX as a live tile, its queues and its calls. */

import { css, html, LitElement, nothing, type PropertyValues } from "lit";
import { repeat } from "lit/directives/repeat.js";

import {
  BUSY,
  DOMAIN,
  type Filter,
  type PbxEntry,
  readPbxs,
  shown,
  type TileModel,
  TileModels,
} from "./model";
import type { TileActionDetail } from "./tile";
import type {
  HomeAssistant,
  LovelaceCardEditor,
  SwitchboardCardConfig,
  TileSize,
} from "./types";

const FILTERS: { value: Filter; label: string }[] = [
  { value: "all", label: "All" },
  { value: "busy", label: "Busy" },
  { value: "offline", label: "Offline" },
];

const TILE_WIDTHS: Record<TileSize, string> = { small: "120px", medium: "160px", large: "210px" };

/** A service call's error as users should read it. */
function errorMessage(err: unknown): string {
  if (typeof err === "object" && err !== null && "message" in err) {
    const message = err.message;
    if (typeof message === "string" && message !== "") return message;
  }
  return String(err);
}

export class SwitchboardCard extends LitElement {
  static override properties = {
    hass: { attribute: false },
    config: { state: true },
    filter: { state: true },
    search: { state: true },
    chosenCaller: { state: true },
  };

  declare hass: HomeAssistant | undefined;
  declare config: SwitchboardCardConfig | undefined;
  declare filter: Filter;
  declare search: string;
  /** The calling extension picked in the card, over the configured one. */
  declare chosenCaller: string | undefined;

  private pbxs: PbxEntry[] = [];
  private pbxsFrom: unknown[] = [];
  private readonly models = new TileModels();
  private tiles: TileModel[] = [];

  constructor() {
    super();
    this.filter = "all";
    this.search = "";
  }

  static getConfigElement(): LovelaceCardEditor {
    return document.createElement("pbx-switchboard-card-editor") as LovelaceCardEditor;
  }

  static getStubConfig(hass: HomeAssistant): SwitchboardCardConfig {
    const [pbx] = readPbxs(hass);
    const config: SwitchboardCardConfig = { type: "custom:pbx-switchboard-card" };
    if (pbx !== undefined) config.pbx = pbx.entryId;
    return config;
  }

  setConfig(config: SwitchboardCardConfig): void {
    if (typeof config !== "object" || (config as unknown) === null) {
      throw new Error("Invalid configuration");
    }
    for (const key of ["extensions", "queues"] as const) {
      const value: unknown = config[key];
      if (value !== undefined && !Array.isArray(value)) {
        throw new Error(`${key} must be a list of numbers`);
      }
    }
    if (config.tile_size !== undefined && !(config.tile_size in TILE_WIDTHS)) {
      throw new Error("tile_size must be small, medium or large");
    }
    this.config = config;
  }

  getCardSize(): number {
    return 3 + Math.ceil(this.tiles.length / 4);
  }

  getGridOptions(): Record<string, number> {
    return { columns: 12, min_columns: 6, min_rows: 3 };
  }

  /** The PBX this card shows. */
  get pbx(): PbxEntry | undefined {
    const wanted = this.config?.pbx;
    return wanted ? this.pbxs.find((pbx) => pbx.entryId === wanted) : this.pbxs[0];
  }

  /** The extension calls are placed from: picked in the card, configured, or the PBX's default. */
  get caller(): string | undefined {
    const caller = this.chosenCaller ?? this.config?.caller ?? this.defaultCaller();
    return caller ? String(caller) : undefined;
  }

  /** The PBX's default extension, which its active calls sensor names in an attribute. */
  private defaultCaller(): string | undefined {
    const id = this.pbx?.activeCalls;
    const value = id ? this.hass?.states[id]?.attributes.default_extension : undefined;
    return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const hass = this.hass;
    if (hass === undefined || this.config === undefined) return;
    // The registries change rarely; states often. Devices and entities are read again only
    // when Home Assistant gives new registry objects.
    if (this.pbxsFrom[0] !== hass.devices || this.pbxsFrom[1] !== hass.entities) {
      this.pbxs = readPbxs(hass);
      this.pbxsFrom = [hass.devices, hass.entities];
    }
    if (changed.has("hass") || changed.has("config")) {
      const pbx = this.pbx;
      const only = this.config.extensions?.map(String);
      const extensions = pbx?.extensions.filter(
        (extension) => only === undefined || only.includes(extension.number),
      );
      this.tiles = this.models.build(hass, extensions ?? []);
    }
  }

  private toast(message: string): void {
    this.dispatchEvent(
      new CustomEvent("hass-notification", {
        detail: { message },
        bubbles: true,
        composed: true,
      }),
    );
  }

  private async call(
    domain: string,
    service: string,
    data: Record<string, unknown>,
    done: string,
  ): Promise<void> {
    if (this.hass === undefined) return;
    try {
      await this.hass.callService(domain, service, data);
      this.toast(done);
    } catch (err) {
      this.toast(errorMessage(err));
    }
  }

  private readonly onTileAction = (ev: CustomEvent<TileActionDetail>): void => {
    ev.stopPropagation();
    const pbx = this.pbx;
    if (pbx === undefined) return;
    const { action, number } = ev.detail;
    const entry = { config_entry_id: pbx.entryId };
    if (action === "dial") {
      const caller = this.caller;
      if (caller === undefined) {
        this.toast("Choose the extension to call from first");
        return;
      }
      void this.call(
        DOMAIN,
        "dial",
        { ...entry, extension: caller, number },
        `Calling ${number} from ${caller}`,
      );
    } else if (action === "hangup") {
      void this.call(DOMAIN, "hangup", { ...entry, extension: number }, `Hung up ${number}`);
    } else {
      const extension = pbx.extensions.find((found) => found.number === number);
      if (extension?.dnd === undefined) return;
      const on = this.hass?.states[extension.dnd]?.state === "on";
      void this.call(
        "switch",
        on ? "turn_off" : "turn_on",
        { entity_id: extension.dnd },
        `Do not disturb ${on ? "off" : "on"} for ${number}`,
      );
    }
  };

  private renderHeader(pbx: PbxEntry): unknown {
    const hass = this.hass;
    const active = pbx.activeCalls ? hass?.states[pbx.activeCalls] : undefined;
    const events = pbx.events ? hass?.states[pbx.events] : undefined;
    const busy = this.tiles.filter((tile) => BUSY.has(tile.status)).length;
    return html`
      <div class="header">
        <h2 class="title">${this.config?.title ?? pbx.name}</h2>
        <span class="chips">
          ${active === undefined
            ? nothing
            : html`<span class="chip" data-chip="active-calls"
                >${active.state === "unavailable" ? "–" : active.state} active calls</span
              >`}
          <span class="chip">${busy} / ${this.tiles.length} busy</span>
          ${events === undefined
            ? nothing
            : html`<span class="chip events ${events.state}" data-chip="events"
                >${events.state === "on" ? "Live events" : "Live events down"}</span
              >`}
        </span>
      </div>
    `;
  }

  private renderToolbar(pbx: PbxEntry): unknown {
    const caller = this.caller;
    return html`
      <div class="toolbar">
        <div class="filters" role="group" aria-label="Show">
          ${FILTERS.map(
            (filter) => html`<button
              class="filter"
              aria-pressed=${this.filter === filter.value ? "true" : "false"}
              @click=${() => {
                this.filter = filter.value;
              }}
            >
              ${filter.label}
            </button>`,
          )}
        </div>
        <input
          class="search"
          type="search"
          placeholder="Search name or number"
          aria-label="Search extensions by name or number"
          .value=${this.search}
          @input=${(ev: Event) => {
            this.search = (ev.target as HTMLInputElement).value;
          }}
        />
        <label class="caller">
          <span>Call from</span>
          <select
            aria-label="Extension to call from"
            @change=${(ev: Event) => {
              this.chosenCaller = (ev.target as HTMLSelectElement).value || undefined;
            }}
          >
            <option value="" ?selected=${caller === undefined}>—</option>
            ${pbx.extensions.map(
              (extension) =>
                html`<option value=${extension.number} ?selected=${extension.number === caller}>
                  ${extension.number}${extension.name ? ` ${extension.name}` : ""}
                </option>`,
            )}
          </select>
        </label>
      </div>
    `;
  }

  private renderQueues(pbx: PbxEntry): unknown {
    if (this.config?.show_queues === false) return nothing;
    const only = this.config?.queues?.map(String);
    const queues = pbx.queues.filter((queue) => only === undefined || only.includes(queue.number));
    if (queues.length === 0) return nothing;
    const value = (id: string | undefined): string => {
      const state = id ? this.hass?.states[id]?.state : undefined;
      return state === undefined || state === "unavailable" || state === "unknown" ? "–" : state;
    };
    return html`
      <ul class="queues" aria-label="Queues">
        ${queues.map((queue) => {
          const waiting = value(queue.waiting);
          return html`<li class="queue ${waiting !== "–" && waiting !== "0" ? "waiting" : ""}"
            data-queue=${queue.number}>
            <span class="queue-name">${queue.name || queue.number}</span>
            <span class="queue-number">${queue.number}</span>
            <span class="figure"><b>${waiting}</b> waiting</span>
            <span class="figure"><b>${value(queue.available)}</b> agents available</span>
          </li>`;
        })}
      </ul>
    `;
  }

  protected override render(): unknown {
    if (this.config === undefined || this.hass === undefined) return nothing;
    const pbx = this.pbx;
    if (pbx === undefined) {
      return html`<ha-card><div class="empty">No PBX found: add the PBX integration first.</div></ha-card>`;
    }
    const search = this.search.trim().toLowerCase();
    const visible =
      this.filter === "all" && search === ""
        ? this.tiles
        : this.tiles.filter((tile) => shown(tile, this.filter, search));
    const size = this.config.tile_size ?? "medium";
    const caller = this.caller;
    return html`
      <ha-card>
        ${this.renderHeader(pbx)} ${this.renderToolbar(pbx)} ${this.renderQueues(pbx)}
        <div
          class="grid"
          role="list"
          aria-label="Extensions"
          style="--tile-width: ${TILE_WIDTHS[size]}"
          @pbx-tile-action=${this.onTileAction}
        >
          ${repeat(
            visible,
            (tile) => tile.number,
            (tile) =>
              html`<pbx-switchboard-tile
                role="listitem"
                .tile=${tile}
                .caller=${caller}
                size=${size}
              ></pbx-switchboard-tile>`,
          )}
        </div>
        ${visible.length === 0 ? html`<div class="empty">No extension to show.</div>` : nothing}
      </ha-card>
    `;
  }

  static override styles = css`
    ha-card {
      display: block;
      padding: 12px;
      box-sizing: border-box;
      height: 100%;
      overflow: auto;
    }
    .header {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      justify-content: space-between;
      gap: 8px;
    }
    .title {
      margin: 0;
      font-size: var(--ha-card-header-font-size, 20px);
      font-weight: 400;
      color: var(--ha-card-header-color, var(--primary-text-color));
    }
    .chips {
      display: flex;
      flex-wrap: wrap;
      gap: 6px;
    }
    .chip {
      font-size: 0.8em;
      padding: 2px 8px;
      border-radius: 10px;
      background: var(--secondary-background-color, rgba(0, 0, 0, 0.06));
      color: var(--primary-text-color);
    }
    .events.on {
      color: var(--success-color, #43a047);
    }
    .events.off,
    .events.unavailable {
      color: var(--error-color, #db4437);
    }
    .toolbar {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 8px;
      margin: 10px 0;
    }
    .filters {
      display: inline-flex;
      border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
      border-radius: 16px;
      overflow: hidden;
    }
    .filter {
      font: inherit;
      border: none;
      padding: 4px 12px;
      background: none;
      color: var(--primary-text-color);
      cursor: pointer;
    }
    .filter[aria-pressed="true"] {
      background: var(--primary-color);
      color: var(--text-primary-color, #fff);
    }
    .filter:focus-visible,
    .search:focus-visible,
    select:focus-visible {
      outline: 2px solid var(--primary-color);
      outline-offset: 1px;
    }
    .search,
    select {
      font: inherit;
      padding: 4px 8px;
      border-radius: 8px;
      border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
      background: var(--card-background-color, #fff);
      color: var(--primary-text-color);
    }
    .search {
      flex: 1;
      min-width: 120px;
    }
    .caller {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      color: var(--secondary-text-color);
    }
    select {
      max-width: 160px;
    }
    .queues {
      list-style: none;
      margin: 0 0 10px;
      padding: 0;
      display: flex;
      flex-wrap: wrap;
      gap: 8px;
    }
    .queue {
      display: flex;
      flex-wrap: wrap;
      align-items: baseline;
      gap: 4px 10px;
      padding: 6px 10px;
      border-radius: 8px;
      border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
      color: var(--primary-text-color);
    }
    .queue.waiting {
      border-color: var(--warning-color, #ffa600);
    }
    .queue-name {
      font-weight: 500;
    }
    .queue-number,
    .figure {
      font-size: 0.85em;
      color: var(--secondary-text-color);
    }
    .grid {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(min(var(--tile-width), 100%), 1fr));
      gap: 8px;
    }
    .empty {
      padding: 16px;
      color: var(--secondary-text-color);
      text-align: center;
    }
    @media (max-width: 450px) {
      .grid {
        grid-template-columns: repeat(2, minmax(0, 1fr));
      }
      select {
        max-width: 120px;
      }
    }
  `;
}
