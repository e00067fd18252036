/** Material Design icons the card draws inline (no icon lookups per tile). */

import {
  mdiHelpCircleOutline,
  mdiMinusCircle,
  mdiPhone,
  mdiPhoneHangup,
  mdiPhoneInTalk,
  mdiPhoneOff,
  mdiPhoneOutgoing,
  mdiPhonePaused,
  mdiPhoneRing,
} from "@mdi/js";
import { svg, type SVGTemplateResult } from "lit";

import type { ExtensionStatus } from "./model";

export const STATUS_ICONS: Record<ExtensionStatus, string> = {
  idle: mdiPhone,
  ringing: mdiPhoneRing,
  calling: mdiPhoneOutgoing,
  in_call: mdiPhoneInTalk,
  on_hold: mdiPhonePaused,
  offline: mdiPhoneOff,
  unknown: mdiHelpCircleOutline,
};

export const DND_ICON = mdiMinusCircle;
export const HANGUP_ICON = mdiPhoneHangup;

export function icon(path: string): SVGTemplateResult {
  return svg`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d=${path}></path></svg>`;
}
