/** `pbx-switchboard-tile`: one extension with its state, and buttons to call, hang up, DND. */

import { css, html, LitElement, nothing, type PropertyValues } from "lit";

import { DND_ICON, HANGUP_ICON, icon, STATUS_ICONS } from "./icons";
import { BUSY, type TileModel } from "./model";
import type { TileSize } from "./types";

export type TileAction = "dial" | "hangup" | "dnd";

/** Fired (bubbling) when a button of a tile is used. */
export interface TileActionDetail {
  action: TileAction;
  number: string;
}

export class SwitchboardTile extends LitElement {
  static override properties = {
    tile: { attribute: false },
    size: { reflect: true },
    caller: { attribute: false },
  };

  declare tile: TileModel | undefined;
  declare size: TileSize;
  /** The extension calls are placed from (none: calling is not possible yet). */
  declare caller: string | undefined;

  constructor() {
    super();
    this.size = "medium";
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("tile") && this.tile !== undefined) {
      this.dataset.number = this.tile.number;
      this.dataset.status = this.tile.status;
    }
  }

  private fire(action: TileAction): void {
    if (this.tile === undefined) return;
    this.dispatchEvent(
      new CustomEvent<TileActionDetail>("pbx-tile-action", {
        detail: { action, number: this.tile.number },
        bubbles: true,
      }),
    );
  }

  protected override render(): unknown {
    const tile = this.tile;
    if (tile === undefined) return nothing;
    const title = tile.name ? `${tile.name} (${tile.number})` : tile.number;
    const self = tile.number === this.caller;
    const callLabel =
      this.caller === undefined || self
        ? `${title}: ${tile.statusLabel}`
        : `Call ${title} from ${this.caller}: ${tile.statusLabel}`;
    const busy = BUSY.has(tile.status);
    return html`
      <div class="tile ${tile.status}">
        <button
          class="main"
          aria-label=${callLabel}
          title=${callLabel}
          ?disabled=${self}
          @click=${() => {
            this.fire("dial"); }}
        >
          <span class="icon">${icon(STATUS_ICONS[tile.status])}</span>
          <span class="text">
            <span class="name">${tile.name || tile.number}</span>
            <span class="number">${tile.number}</span>
            <span class="state">${tile.peer ?? tile.statusLabel}</span>
          </span>
        </button>
        <span class="side">
          ${tile.dnd === null
            ? nothing
            : html`<button
                class="dnd ${tile.dnd ? "on" : ""}"
                aria-pressed=${tile.dnd ? "true" : "false"}
                aria-label="Do not disturb ${title}"
                title="Do not disturb"
                @click=${() => {
            this.fire("dnd"); }}
              >
                ${icon(DND_ICON)}
              </button>`}
          ${busy
            ? html`<button
                class="hangup"
                aria-label="Hang up ${title}"
                title="Hang up"
                @click=${() => {
            this.fire("hangup"); }}
              >
                ${icon(HANGUP_ICON)}
              </button>`
            : nothing}
        </span>
      </div>
    `;
  }

  static override styles = css`
    :host {
      display: block;
      --tile-color: var(--disabled-text-color, #9e9e9e);
    }
    .tile {
      display: flex;
      align-items: stretch;
      border-radius: var(--ha-card-border-radius, 12px);
      border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
      border-left: 4px solid var(--tile-color);
      background: var(--card-background-color, var(--ha-card-background, #fff));
      color: var(--primary-text-color);
      overflow: hidden;
      height: 100%;
      box-sizing: border-box;
    }
    .idle {
      --tile-color: var(--success-color, #43a047);
    }
    .ringing {
      --tile-color: var(--warning-color, #ffa600);
    }
    .calling {
      --tile-color: var(--info-color, #039be5);
    }
    .in_call {
      --tile-color: var(--error-color, #db4437);
    }
    .on_hold {
      --tile-color: var(--purple-color, #926bc7);
    }
    .offline,
    .unknown {
      --tile-color: var(--disabled-text-color, #9e9e9e);
    }
    .offline .text,
    .unknown .text {
      opacity: 0.6;
    }
    button {
      font: inherit;
      color: inherit;
      background: none;
      border: none;
      cursor: pointer;
      padding: 0;
      border-radius: 8px;
    }
    button:focus-visible {
      outline: 2px solid var(--primary-color);
      outline-offset: -2px;
    }
    button:disabled {
      cursor: default;
    }
    .main {
      flex: 1;
      min-width: 0;
      display: flex;
      align-items: center;
      gap: 8px;
      padding: 8px;
      text-align: start;
    }
    .main:hover:not(:disabled) {
      background: var(--secondary-background-color, rgba(0, 0, 0, 0.04));
    }
    .icon {
      flex: none;
      display: flex;
      align-items: center;
      justify-content: center;
      width: 36px;
      height: 36px;
      border-radius: 50%;
      color: var(--tile-color);
      background: color-mix(in srgb, var(--tile-color) 18%, transparent);
    }
    svg {
      width: 20px;
      height: 20px;
      fill: currentColor;
    }
    .ringing .icon {
      animation: ring 1s ease-in-out infinite;
    }
    @keyframes ring {
      0%,
      100% {
        transform: rotate(0);
        box-shadow: 0 0 0 0 color-mix(in srgb, var(--tile-color) 60%, transparent);
      }
      20% {
        transform: rotate(-15deg);
      }
      40% {
        transform: rotate(15deg);
      }
      60% {
        transform: rotate(0);
        box-shadow: 0 0 0 8px transparent;
      }
    }
    @media (prefers-reduced-motion: reduce) {
      .ringing .icon {
        animation: none;
        outline: 2px solid var(--tile-color);
      }
    }
    .text {
      display: flex;
      flex-direction: column;
      min-width: 0;
      line-height: 1.25;
    }
    .text > span {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .name {
      font-weight: 500;
    }
    .number,
    .state {
      font-size: 0.85em;
      color: var(--secondary-text-color);
    }
    .side {
      display: flex;
      flex-direction: column;
      justify-content: center;
    }
    .side button {
      width: 32px;
      height: 32px;
      display: flex;
      align-items: center;
      justify-content: center;
      color: var(--secondary-text-color);
    }
    .dnd {
      opacity: 0.35;
    }
    .dnd.on {
      opacity: 1;
      color: var(--error-color, #db4437);
    }
    .hangup {
      color: var(--error-color, #db4437) !important;
    }
    :host([size="small"]) .icon {
      width: 28px;
      height: 28px;
    }
    :host([size="small"]) .number {
      display: none;
    }
    :host([size="small"]) .main {
      padding: 4px 6px;
    }
    :host([size="large"]) .main {
      padding: 12px;
    }
    :host([size="large"]) .icon {
      width: 48px;
      height: 48px;
    }
    :host([size="large"]) svg {
      width: 26px;
      height: 26px;
    }
  `;
}
