// Live feed: WebSocket /api/v1/live?ticket=…&since=N. Each (re)connection first takes a single-use
// ticket (POST /api/v1/live/ticket): the session token never travels in a URL. Applies `event`
// messages to the stores, remembers the last seq and reconnects with backoff and
// `since=lastSeq`, so nothing is missed.

import type { Alert, Assignment, Incident, Instruction, Unit } from './api';
import { alerts, assignments, incidents, instructions, units, Signal } from './store';

export type LiveState = 'connecting' | 'open' | 'retry' | 'closed';

export interface LiveEvent {
  type: 'event';
  seq: number;
  at: string;
  kind: string;
  record_type: 'incident' | 'unit' | string;
  record_id: number;
  org_id: string;
  actor: string;
  data: unknown;
  /** Server extension: `{field: [old, new]}` for updates. */
  changes?: unknown;
}

type EventListener = (ev: LiveEvent) => void;

export class LiveFeed {
  readonly state = new Signal<LiveState>('closed');
  /** Highest seq applied (or the head announced by the first hello). */
  lastSeq: number | null = null;
  eventsSeen = 0;
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: number | null = null;
  private stopped = true;
  private listeners = new Set<EventListener>();
  private onHello: ((head: number) => void) | null = null;

  /** Called after repeated failures (e.g. to check whether the session is still valid). */
  onTrouble: (() => void) | null = null;

  constructor(private token: () => string | null) {}

  /** Start the feed; `onFirstHello` runs once the server has announced its head. */
  start(onFirstHello?: (head: number) => void): void {
    this.stopped = false;
    this.onHello = onFirstHello ?? null;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      ws.onerror = null;
      try {
        ws.close();
      } catch {
        /* ignore */
      }
    }
    this.state.set('closed');
  }

  subscribe(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private url(ticket: string): string {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const p = new URLSearchParams();
    p.set('ticket', ticket);
    if (this.lastSeq !== null) p.set('since', String(this.lastSeq));
    return `${proto}//${location.host}/api/v1/live?${p.toString()}`;
  }

  /** A single-use ticket for one handshake, or null when the server refuses (logged out). */
  private async ticket(): Promise<string | null> {
    try {
      const r = await fetch('/api/v1/live/ticket', { method: 'POST', headers: { authorization: `Bearer ${this.token() ?? ''}` } });
      if (!r.ok) return null;
      const body = (await r.json()) as { ticket?: string };
      return body.ticket ?? null;
    } catch {
      return null;
    }
  }

  private connect(): void {
    if (this.stopped) return;
    this.state.set(this.attempt === 0 ? 'connecting' : 'retry');
    void this.ticket().then((ticket) => {
      if (this.stopped) return;
      if (ticket === null) {
        this.scheduleReconnect();
        return;
      }
      let ws: WebSocket;
      try {
        ws = new WebSocket(this.url(ticket));
      } catch {
        this.scheduleReconnect();
        return;
      }
      this.ws = ws;
      ws.onopen = () => {
        this.attempt = 0;
        this.state.set('open');
      };
      ws.onmessage = (m) => this.handle(m.data);
      ws.onerror = () => {
        /* onclose follows */
      };
      ws.onclose = () => {
        if (this.ws === ws) this.ws = null;
        if (!this.stopped) this.scheduleReconnect();
      };
    });
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.state.set('retry');
    this.attempt++;
    if (this.attempt % 3 === 2) this.onTrouble?.();
    // 0.5 s, 1 s, 2 s, 4 s … capped at 15 s, with jitter.
    const base = Math.min(15000, 500 * 2 ** Math.min(this.attempt - 1, 5));
    const delay = base * (0.75 + Math.random() * 0.5);
    this.timer = window.setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  private handle(raw: unknown): void {
    if (typeof raw !== 'string') return;
    let msg: { type?: string; head?: number; seq?: number };
    try {
      msg = JSON.parse(raw);
    } catch {
      return;
    }
    if (msg.type === 'hello') {
      const head = typeof msg.head === 'number' ? msg.head : 0;
      if (this.lastSeq === null) {
        // First connection: the snapshot loaded after this hello covers everything up to head.
        this.lastSeq = head;
        const cb = this.onHello;
        this.onHello = null;
        cb?.(head);
      }
      return;
    }
    if (msg.type === 'event') {
      const ev = msg as LiveEvent;
      if (typeof ev.seq === 'number') {
        if (this.lastSeq === null || ev.seq > this.lastSeq) this.lastSeq = ev.seq;
      }
      this.eventsSeen++;
      apply(ev);
      for (const l of this.listeners) l(ev);
    }
  }
}

/** Apply one event to the stores. `data` is the full record after the change. */
export function apply(ev: LiveEvent): void {
  const data = ev.data as { id?: number; version?: number } | null;
  if (!data || typeof data !== 'object' || typeof data.id !== 'number') return;
  if (ev.record_type === 'incident' || ev.kind.startsWith('incident.')) incidents.upsert(data as Incident);
  else if (ev.record_type === 'unit' || ev.kind.startsWith('unit.')) units.upsert(data as Unit);
  else if (ev.record_type === 'assignment' || ev.kind.startsWith('assignment.')) assignments.upsert(data as Assignment);
  else if (ev.record_type === 'alert' || ev.kind.startsWith('alert.')) alerts.upsert(data as Alert);
  else if (ev.record_type === 'instruction' || ev.kind.startsWith('instruction.')) instructions.upsert(data as Instruction);
}
