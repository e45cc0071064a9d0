// Texts the system writes — planner remarks, alerts, the orders it issues — arrive as a code with
// parameters and are worded here, in the console's language. Each domain brings the wording of its
// own codes (its dictionary.ts); a code this console does not know shows the server's own text.

import { getLang, type Lang } from './i18n';
import { wall } from './zone';

export type Params = Record<string, unknown>;

/** The wording of one code in both languages. */
export type Wording = Record<Lang, (p: Params) => string>;

/** A title and a body (an instruction). */
export interface TitledWording {
  title: Wording;
  body: Wording;
}

const texts = new Map<string, Wording>();
const titled = new Map<string, TitledWording>();

/** Registers the wording of codes (by `prefix.code`). */
export function registerTexts(entries: Record<string, Wording>): void {
  for (const [k, v] of Object.entries(entries)) texts.set(k, v);
}

/** Registers the wording of instruction texts (by code). */
export function registerInstructionTexts(entries: Record<string, TitledWording>): void {
  for (const [k, v] of Object.entries(entries)) titled.set(k, v);
}

/** The text of `key` for `params` in the console's language, or `fallback` for an unknown code. */
export function worded(key: string, params: Params, fallback: string): string {
  const w = texts.get(key);
  return w ? w[getLang()](params) : fallback;
}

/** An instruction's title and body in the console's language: from its code when it has one. */
export function instructionText(ins: { title: string; body: string; text?: { code: string; params: Params } | null }): {
  title: string;
  body: string;
} {
  const w = ins.text ? titled.get(ins.text.code) : undefined;
  if (!w || !ins.text) return { title: ins.title, body: ins.body };
  const lang = getLang();
  return { title: w.title[lang](ins.text.params), body: w.body[lang](ins.text.params) };
}

// ---- parameter formatting -------------------------------------------------------------------

const pad = (n: number) => String(n).padStart(2, '0');

/** HH:MM:SS on the command centre's clock (zone.ts). */
export function hms(iso: unknown): string {
  const ms = new Date(String(iso)).getTime();
  if (Number.isNaN(ms)) return String(iso ?? '');
  const d = wall(ms);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** A day and time in the command centre's time: `MM月DD日 HH:MM` (zh) or `MM-DD HH:MM`. */
export function dayTime(iso: unknown, zh: boolean): string {
  const ms = new Date(String(iso)).getTime();
  if (Number.isNaN(ms)) return String(iso ?? '');
  const d = wall(ms);
  const [mo, da, hh, mi] = [d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()].map(pad);
  return zh ? `${mo}月${da}日 ${hh}:${mi}` : `${mo}-${da} ${hh}:${mi}`;
}

/** A coordinate with five decimals (about a metre). */
export const coord = (v: unknown) => Number(v).toFixed(5);

/** A string parameter, or empty. */
export const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));

/** A list parameter joined. */
export const list = (v: unknown, sep: string) => (Array.isArray(v) ? v.map(String).join(sep) : '');
