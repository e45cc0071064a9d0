// 派警: the dispatch part of the incident detail — road-network recommendations
// (GET /incidents/{id}/recommendations), sending a unit (POST /incidents/{id}/assignments, a reason
// is required for any unit but the first recommendation), the incident's dispatch orders with their
// steps (派警/签收/出发/到场/处置), cancelling an order, and the assigned units' routes on the map.

import { api, ApiError, type Assignment, type Incident, type Recommendation } from '../api';
import { h, setChildren, throttle, toast } from '../dom';
import { codeLabel, fmtTime, onLangChange, t, tDyn, type Key } from '../i18n';
import { UNIT_STATUS_COLORS } from '../map';
import { assignments, incidents, units } from '../store';

export const OPEN_ASSIGNMENT = new Set(['assigned', 'signed', 'en_route', 'on_scene']);
const MOVING = new Set(['assigned', 'signed', 'en_route']);
export const STEPS: { key: Key; at: keyof Assignment }[] = [
  { key: 'asg.step.assigned', at: 'assigned_at' },
  { key: 'asg.step.signed', at: 'signed_at' },
  { key: 'asg.step.en_route', at: 'en_route_at' },
  { key: 'asg.step.on_scene', at: 'on_scene_at' },
  { key: 'asg.step.cleared', at: 'closed_at' },
];

export function fmtEta(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '—';
  const n = Math.max(0, Math.round(s));
  const m = Math.floor(n / 60);
  return `${String(m).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}`;
}

export function fmtDist(d: number | null | undefined): string {
  if (d === null || d === undefined || !Number.isFinite(d)) return '—';
  return d < 1000 ? `${Math.round(d)} m` : `${(d / 1000).toFixed(1)} km`;
}

export interface RouteLine {
  id: number;
  status: string;
  geometry: [number, number][];
}

interface Prompt {
  kind: 'reason' | 'cancel';
  /** unit id (reason) or assignment id (cancel) */
  target: number;
  text: string;
  error: string;
}

export class DispatchBlock {
  readonly recEl = h('div.recs', { 'data-testid': 'recommendations' });
  readonly ordersEl = h('div.orders', { 'data-testid': 'assignments' });
  private id: number | null = null;
  private recs: Recommendation[] = [];
  private recsLoaded = false;
  private recsError = '';
  private recStamp = '';
  private prompt: Prompt | null = null;
  private busy = false;
  private error: ApiError | null = null;
  private routes = new Map<number, { key: string; seconds: number; meters: number; geometry: [number, number][] }>();
  private routeReq = new Set<number>();
  private loadToken = 0;
  private refreshRecs = throttle(() => void this.loadRecs(), 3000);
  private refreshRoutes = throttle(() => this.updateRoutes(), 2000);

  constructor(
    private canDispatch: boolean,
    private onRoutes: (r: RouteLine[]) => void,
    private onLocate: (p: { lon: number; lat: number }) => void,
  ) {
    assignments.subscribe((changed) => {
      if (this.id === null || !changed.some((a) => a.incident_id === this.id)) return;
      this.drawOrders();
      this.refreshRoutes();
      this.refreshRecs();
    });
    units.subscribe((changed) => {
      if (this.id === null) return;
      const mine = new Set(this.open().map((a) => a.unit_id));
      if (changed.some((u) => mine.has(u.id))) this.refreshRoutes();
      // A unit becoming (un)available changes the recommendations.
      if (changed.some((u) => this.recs.some((r) => r.unit_id === u.id) || u.status === 'available')) this.refreshRecs();
    });
    onLangChange(() => {
      this.recStamp = '';
      this.drawRecs();
      this.drawOrders();
    });
    // Keep the ETAs current even when nothing moves on the feed.
    window.setInterval(() => {
      if (this.id !== null && document.visibilityState === 'visible') void this.loadRecs();
    }, 20000);
  }

  /** Show the block for an incident (null hides it and clears the routes). */
  async setIncident(id: number | null): Promise<void> {
    if (id === this.id) return;
    this.id = id;
    this.recs = [];
    this.recsLoaded = false;
    this.recsError = '';
    this.recStamp = '';
    this.prompt = null;
    this.error = null;
    this.routes.clear();
    this.onRoutes([]);
    setChildren(this.recEl);
    setChildren(this.ordersEl);
    if (id === null) return;
    const token = ++this.loadToken;
    this.drawRecs();
    this.drawOrders();
    const [list] = await Promise.allSettled([api.incidentAssignments(id), this.loadRecs()]);
    if (token !== this.loadToken) return;
    if (list.status === 'fulfilled') assignments.upsertMany(list.value.items);
    this.drawOrders();
    this.updateRoutes();
  }

  /** The incident's orders, newest first. */
  private all(): Assignment[] {
    return assignments
      .all()
      .filter((a) => a.incident_id === this.id)
      .sort((a, b) => b.id - a.id);
  }

  private open(): Assignment[] {
    return this.all().filter((a) => OPEN_ASSIGNMENT.has(a.status));
  }

  private async loadRecs(): Promise<void> {
    const id = this.id;
    if (id === null) return;
    const inc = incidents.get(id);
    if (inc && inc.status === 'closed') {
      this.recs = [];
      this.recsLoaded = true;
      this.drawRecs();
      return;
    }
    try {
      const r = await api.recommendations(id, 5);
      if (id !== this.id) return;
      this.recs = Array.isArray(r) ? r : [];
      this.recsError = '';
    } catch (e) {
      if (id !== this.id) return;
      this.recsError = (e as ApiError).message;
    }
    this.recsLoaded = true;
    this.drawRecs();
  }

  /** Keys 1–5: dispatch the n-th recommendation (asks for a reason unless it is the first). */
  key(n: number): boolean {
    if (!this.canDispatch || this.id === null || this.busy) return false;
    const r = this.recs[n - 1];
    if (!r) return false;
    this.choose(r, n - 1);
    return true;
  }

  private choose(r: Recommendation, index: number): void {
    if (index === 0) void this.send(r.unit_id);
    else {
      this.prompt = { kind: 'reason', target: r.unit_id, text: '', error: '' };
      this.recStamp = '';
      this.drawRecs();
      this.focusPrompt();
    }
  }

  private async send(unitId: number, reason?: string): Promise<void> {
    const id = this.id;
    if (id === null || this.busy) return;
    this.busy = true;
    this.error = null;
    try {
      const a = await api.assign(id, unitId, reason);
      assignments.upsert(a);
      this.prompt = null;
      toast(`${t('asg.sent')}: ${a.call_sign} → #${id}`, 'ok', 2500);
      void this.loadRecs();
    } catch (e) {
      const ae = e as ApiError;
      if (this.prompt && this.prompt.kind === 'reason' && this.prompt.target === unitId) this.prompt.error = ae.message;
      else this.error = ae;
    } finally {
      this.busy = false;
      this.recStamp = '';
      this.drawRecs();
      this.focusPrompt();
    }
  }

  private async cancel(a: Assignment, reason: string): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const r = await api.assignmentStatus(a.id, 'cancelled', reason);
      assignments.upsert(r);
      this.prompt = null;
      toast(`${t('asg.cancelled')}: ${r.call_sign}`, 'ok', 2500);
    } catch (e) {
      if (this.prompt) this.prompt.error = (e as ApiError).message;
    } finally {
      this.busy = false;
      this.drawOrders();
      this.focusPrompt();
    }
  }

  private focusPrompt(): void {
    (document.querySelector('[data-testid=reason-input]') as HTMLInputElement | null)?.focus();
  }

  private promptEl(onOk: (text: string) => void, label: Key, okLabel: Key): HTMLElement {
    const p = this.prompt!;
    const input = h('input.input.input-sm', {
      'data-testid': 'reason-input',
      placeholder: t(label),
      value: p.text,
      class: p.error ? 'invalid' : '',
      onInput: (e: Event) => (p.text = (e.target as HTMLInputElement).value),
      onKeydown: (e: KeyboardEvent) => {
        if (e.key === 'Enter' && !e.isComposing) {
          e.preventDefault();
          onOk(p.text.trim());
        } else if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          this.prompt = null;
          this.recStamp = '';
          this.drawRecs();
          this.drawOrders();
        }
      },
    });
    return h(
      'div.reason-prompt',
      { 'data-testid': 'reason-prompt' },
      h('div.reason-row', null, input, h('button.btn.btn-primary.btn-sm', { 'data-testid': 'reason-ok', disabled: this.busy, onClick: () => onOk(p.text.trim()) }, t(okLabel)),
        h('button.btn.btn-ghost.btn-sm', { onClick: () => ((this.prompt = null), (this.recStamp = ''), this.drawRecs(), this.drawOrders()) }, t('detail.cancel'))),
      p.error && h('div.form-error', { role: 'alert', 'data-testid': 'reason-error' }, p.error),
    );
  }

  drawRecs(): void {
    if (this.id === null) return;
    const refocus = isPromptFocused();
    const inc = incidents.get(this.id);
    if (inc?.status === 'closed') {
      setChildren(this.recEl);
      return;
    }
    const stamp = JSON.stringify([this.recs.map((r) => r.unit_id), this.recsError, this.recsLoaded, this.prompt?.target ?? null, this.error?.message ?? '', this.busy]);
    if (stamp === this.recStamp && this.recEl.childNodes.length > 0) {
      // Same units in the same order: refresh ETAs/distances in place (nothing moves under the pointer).
      const etas = this.recEl.querySelectorAll('.rc-eta');
      const dists = this.recEl.querySelectorAll('.rc-dist');
      this.recs.forEach((r, i) => {
        if (etas[i]) etas[i].textContent = fmtEta(r.eta_s);
        if (dists[i]) dists[i].textContent = fmtDist(r.distance_m);
      });
      return;
    }
    this.recStamp = stamp;
    if (!this.recsLoaded) {
      setChildren(this.recEl, h('div.muted.pad', null, t('detail.loading')));
      return;
    }
    if (this.recsError) {
      setChildren(this.recEl, h('div.form-error', null, this.recsError));
      return;
    }
    if (this.recs.length === 0) {
      setChildren(this.recEl, h('div.muted.pad', { 'data-testid': 'no-recommendations' }, t('rec.none')));
      return;
    }
    const rows: HTMLElement[] = [];
    this.recs.forEach((r, i) => {
      const u = units.get(r.unit_id);
      rows.push(
        h(
          'div.rc-row',
          { 'data-testid': 'recommendation', 'data-unit': String(r.unit_id), class: i === 0 ? 'first' : '' },
          h('span.rc-key.mono', { title: t('rec.keyHint') }, String(i + 1)),
          h(
            'a.link.rc-call',
            { href: '#', onClick: (e: Event) => (e.preventDefault(), u?.position && this.onLocate(u.position)) },
            r.call_sign,
          ),
          h('span.rc-kind', null, codeLabel('unit_kinds', r.kind)),
          h('span.rc-eta.mono', { title: t('rec.eta') }, fmtEta(r.eta_s)),
          h('span.rc-dist.mono', { title: t('rec.distance') }, fmtDist(r.distance_m)),
          this.canDispatch
            ? h(
                'button.btn.btn-sm.rc-go',
                { 'data-testid': 'dispatch-unit', disabled: this.busy, title: `${i + 1}`, onClick: () => this.choose(r, i) },
                t('detail.dispatchUnit'),
              )
            : h('span'),
        ),
      );
      if (this.prompt?.kind === 'reason' && this.prompt.target === r.unit_id) {
        rows.push(this.promptEl((text) => void this.send(r.unit_id, text || undefined), 'rec.reasonPh', 'rec.confirm'));
      }
    });
    setChildren(
      this.recEl,
      h('div.rc-head', null, h('span'), h('span', null, t('rec.unit')), h('span', null, t('rec.kind')), h('span', null, t('rec.eta')), h('span', null, t('rec.distance')), h('span')),
      rows,
      this.error && h('div.form-error', { role: 'alert', 'data-testid': 'dispatch-error' }, this.error.message),
    );
    if (refocus) this.focusPrompt();
  }

  drawOrders(): void {
    if (this.id === null) return;
    const refocus = isPromptFocused();
    const list = this.all();
    if (list.length === 0) {
      setChildren(this.ordersEl, h('div.muted.pad', null, t('asg.none')));
      return;
    }
    setChildren(
      this.ordersEl,
      list.map((a) => {
        const u = units.get(a.unit_id);
        const route = this.routes.get(a.id);
        const moving = MOVING.has(a.status);
        const steps = STEPS.map((s, i) => {
          const at = a[s.at] as string | null;
          const label = i === 4 && a.status === 'cancelled' ? t('asg.step.cancelled') : t(s.key);
          return h(
            'div.as-step',
            { class: `${at ? 'done' : ''}${i === 4 && a.status === 'cancelled' ? ' cancelled' : ''}`, 'data-step': String(s.at) },
            h('i'),
            h('span.as-label', null, label),
            h('span.as-time.mono', null, at ? fmtTime(at) : '—'),
          );
        });
        const canCancel = this.canDispatch && OPEN_ASSIGNMENT.has(a.status);
        return h(
          'div.as-card',
          { 'data-testid': 'assignment', 'data-id': String(a.id), 'data-status': a.status, class: `as-${a.status}` },
          h(
            'div.as-head',
            { style: { '--c': UNIT_STATUS_COLORS[u?.status ?? ''] ?? '#5d6878' } },
            h('i.dot'),
            h('a.link.as-call', { href: '#', onClick: (e: Event) => (e.preventDefault(), u?.position && this.onLocate(u.position)) }, a.call_sign),
            h('span.as-status', { 'data-testid': 'assignment-status' }, tDyn(`asg.status.${a.status}`, a.status)),
            h('span.spacer'),
            moving &&
              h(
                'span.as-eta.mono',
                { 'data-testid': 'assignment-eta', title: route ? `${t('rec.distance')} ${fmtDist(route.meters)}` : t('asg.etaPlanned') },
                `ETA ${fmtEta(route ? route.seconds : a.eta_s)}`,
              ),
            canCancel &&
              h(
                'button.btn.btn-ghost.btn-sm.as-cancel',
                {
                  'data-testid': 'assignment-cancel',
                  onClick: () => {
                    this.prompt = { kind: 'cancel', target: a.id, text: '', error: '' };
                    this.drawOrders();
                    this.focusPrompt();
                  },
                },
                t('asg.cancel'),
              ),
          ),
          h('div.as-steps', null, steps),
          a.override_reason && h('div.as-note', null, h('b', null, t('asg.reason')), a.override_reason),
          a.result && h('div.as-note', { 'data-testid': 'assignment-result' }, h('b', null, a.status === 'cancelled' ? t('asg.cancelReason') : t('asg.result')), a.result),
          this.prompt?.kind === 'cancel' && this.prompt.target === a.id && this.promptEl((text) => void this.cancel(a, text), 'asg.cancelPh', 'asg.cancelConfirm'),
        );
      }),
    );
    if (refocus) this.focusPrompt();
  }

  /** Fetch routes for units still on their way (when the unit moved), draw them on the map. */
  private updateRoutes(): void {
    const inc = this.id !== null ? incidents.get(this.id) : undefined;
    if (!inc) {
      this.onRoutes([]);
      return;
    }
    const moving = this.all().filter((a) => MOVING.has(a.status));
    const keep = new Set(moving.map((a) => a.id));
    for (const id of [...this.routes.keys()]) if (!keep.has(id)) this.routes.delete(id);
    for (const a of moving) {
      const u = units.get(a.unit_id);
      if (!u?.position) continue;
      const key = `${u.position.lon.toFixed(5)},${u.position.lat.toFixed(5)}>${inc.location.lon},${inc.location.lat}`;
      if (this.routes.get(a.id)?.key === key || this.routeReq.has(a.id)) continue;
      this.routeReq.add(a.id);
      const incId = inc.id;
      void api
        .route(u.position, inc.location)
        .then((r) => {
          if (this.id !== incId) return;
          this.routes.set(a.id, { key, seconds: r.seconds, meters: r.meters, geometry: r.geometry });
          this.publishRoutes();
          this.drawOrders();
        })
        .catch(() => {})
        .finally(() => this.routeReq.delete(a.id));
    }
    this.publishRoutes();
  }

  private publishRoutes(): void {
    const out: RouteLine[] = [];
    for (const [id, r] of this.routes) {
      const a = assignments.get(id);
      const st = units.get(a?.unit_id ?? -1)?.status ?? 'dispatched';
      out.push({ id, status: st, geometry: r.geometry });
    }
    this.onRoutes(out);
  }
}

function isPromptFocused(): boolean {
  return (document.activeElement as HTMLElement | null)?.dataset?.testid === 'reason-input';
}

/** Incident helper for other modules: the open orders of an incident. */
export function openAssignmentsOf(inc: Incident): Assignment[] {
  return assignments.all().filter((a) => a.incident_id === inc.id && OPEN_ASSIGNMENT.has(a.status));
}
