// In-memory stores of incidents and units, keyed by id. Live events and REST answers are merged
// by record version, so the order in which they arrive does not matter: an older version never
// replaces a newer one.

import type { Alert, Assignment, Incident, Instruction, Org, Unit } from './api';

type Listener<T> = (changed: T[]) => void;

export class RecordStore<T extends { id: number; version?: number }> {
  readonly byId = new Map<number, T>();
  private listeners = new Set<Listener<T>>();
  private pending = new Map<number, T>();
  private scheduled = false;

  /** `rank` orders versions of one record; by default the record's `version`. */
  constructor(private rank: (r: T) => number = (r) => r.version ?? 0) {}

  /** Insert or update; returns true when the record changed. Listeners are notified in a batch. */
  upsert(rec: T): boolean {
    const cur = this.byId.get(rec.id);
    if (cur && this.rank(cur) > this.rank(rec)) return false;
    if (cur && this.rank(cur) === this.rank(rec) && sameJson(cur, rec)) return false;
    this.byId.set(rec.id, rec);
    this.pending.set(rec.id, rec);
    this.schedule();
    return true;
  }

  upsertMany(recs: T[]): void {
    for (const r of recs) this.upsert(r);
  }

  get(id: number): T | undefined {
    return this.byId.get(id);
  }

  all(): T[] {
    return [...this.byId.values()];
  }

  /** Forget a record (it left the user's jurisdiction); listeners re-read. */
  remove(id: number): void {
    if (!this.byId.delete(id)) return;
    this.pending.delete(id);
    for (const l of this.listeners) l([]);
  }

  clear(): void {
    this.byId.clear();
    this.pending.clear();
    for (const l of this.listeners) l([]);
  }

  subscribe(fn: Listener<T>): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Microtask batching: all upserts of one message/answer notify once.
    queueMicrotask(() => {
      this.scheduled = false;
      const changed = [...this.pending.values()];
      this.pending.clear();
      if (changed.length === 0) return;
      for (const l of this.listeners) l(changed);
    });
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export const incidents = new RecordStore<Incident>();
export const units = new RecordStore<Unit>();

export const assignments = new RecordStore<Assignment>();
/** Alerts move new → acknowledged → resolved and count their repeats; each change bumps `version`. */
export const alerts = new RecordStore<Alert>();
/**
 * Instructions carry no version in the contract; their state only moves forward (recipients
 * pending → signed → done, open → closed, escalation once), so that progress orders them.
 */
export const instructions = new RecordStore<Instruction>((r) => {
  if (typeof r.version === 'number') return r.version;
  const rs = { pending: 0, signed: 1, done: 2 } as Record<string, number>;
  let n = 0;
  for (const x of r.recipients ?? []) n += rs[x.status] ?? 0;
  return n + (r.escalated_at ? 1 : 0) + (r.status === 'closed' ? 1000 : 0);
});

export const orgs = new Map<string, Org>();

/**
 * An instruction recipient's name in the console's language: the organisation's (or the unit's
 * call sign) when this console knows it, else the name the server stored (in Chinese).
 */
export function recipientName(r: { target: string; name?: string | null }, lang: 'zh' | 'en'): string {
  if (r.target.startsWith('org:') && orgs.has(r.target.slice(4))) return orgName(r.target.slice(4), lang);
  if (r.target.startsWith('unit:')) {
    const u = units.get(Number(r.target.slice(5)));
    if (u) return u.call_sign;
  }
  return r.name || r.target;
}

export function orgName(id: string | null | undefined, lang: 'zh' | 'en'): string {
  if (!id) return '—';
  const o = orgs.get(id);
  if (!o) return id;
  return (lang === 'en' ? o.name_en : o.name) || o.name || id;
}

/** Tiny observable value for UI state shared between components. */
export class Signal<T> {
  private subs = new Set<(v: T) => void>();
  constructor(private v: T) {}
  get value(): T {
    return this.v;
  }
  set(v: T): void {
    if (Object.is(v, this.v)) return;
    this.v = v;
    for (const s of [...this.subs]) s(v);
  }
  subscribe(fn: (v: T) => void): () => void {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }
}

/** Selected incident id (detail panel + map highlight). */
export const selectedIncident = new Signal<number | null>(null);
