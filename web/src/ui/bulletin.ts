// 当天通报: the daily bulletin of an organisation as a page over the console — the day's calls
// and incidents, its instructions (signed in time, overdue, closed), call-to-dispatch and
// dispatch-to-arrival times, and incidents by type as a chart (Apache ECharts) — for any day and
// any organisation in the user's jurisdiction, with the XLSX workbook to send on.

import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { apiRequest, getToken, type User } from '../api';
import { h, setChildren, toast } from '../dom';
import { fmtTime, getLang, onLangChange, t } from '../i18n';
import { fontReady, LABEL_FONT } from '../map';
import { orgName, orgs } from '../store';
import { wall } from '../zone';

echarts.use([BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

interface Durations {
  n: number;
  median_s: number | null;
  p90_s: number | null;
  mean_s: number | null;
}

export interface Bulletin {
  org_id: string;
  org_name: string;
  date: string;
  generated_at: string;
  instructions: { issued: number; recipients: number; signed_in_time: number; overdue: number; closed: number };
  calls_received: number;
  duplicate_calls: number;
  incidents_total: number;
  incidents_closed: number;
  incidents_by_type: { code: string; zh: string; en: string; count: number }[];
  call_to_dispatch: Durations;
  dispatch_to_arrival: Durations;
}

/** Today on the command centre's clock, YYYY-MM-DD. */
function today(): string {
  return wall(Date.now()).toISOString().slice(0, 10);
}

function query(date: string, org: string): string {
  return `?date=${encodeURIComponent(date)}&org_id=${encodeURIComponent(org)}`;
}

const mmss = (s: number | null) => (s === null ? '—' : s < 60 ? `${Math.round(s)} s` : `${Math.floor(s / 60)}′${String(Math.round(s % 60)).padStart(2, '0')}″`);

export class BulletinPage {
  readonly button: HTMLElement;
  readonly el: HTMLElement;
  private isOpen = false;
  private date = today();
  private org: string;
  private data: Bulletin | null = null;
  private error = '';
  private chart: echarts.ECharts | null = null;

  constructor(user: User) {
    this.org = user.org_id;
    this.button = h('button.instr-btn', { 'data-testid': 'bulletin-button', title: t('bul.title'), onClick: () => this.toggle() });
    this.el = h('section.bulletin-page', { 'data-testid': 'bulletin-page', hidden: true });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.isOpen) this.toggle(false);
    });
    onLangChange(() => (this.drawButton(), this.draw()));
    this.drawButton();
  }

  private drawButton(): void {
    setChildren(this.button, h('span.ib-label', null, t('bul.short')));
    this.button.classList.toggle('on', this.isOpen);
  }

  toggle(open = !this.isOpen): void {
    this.isOpen = open;
    this.el.hidden = !open;
    this.drawButton();
    if (open) void this.load();
    else {
      this.chart?.dispose();
      this.chart = null;
    }
  }

  private async load(): Promise<void> {
    this.error = '';
    try {
      this.data = await apiRequest<Bulletin>('GET', `/api/v1/bulletin${query(this.date, this.org)}`);
    } catch (e) {
      this.data = null;
      this.error = (e as Error).message;
    }
    this.draw();
  }

  private async download(): Promise<void> {
    try {
      const r = await fetch(`/api/v1/bulletin.xlsx${query(this.date, this.org)}`, { headers: { Authorization: `Bearer ${getToken() ?? ''}` } });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      const url = URL.createObjectURL(await r.blob());
      const a = h('a', { href: url, download: `通报-${this.org}-${this.date}.xlsx` }) as HTMLAnchorElement;
      document.body.appendChild(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      toast(`${t('err.generic')}: ${(e as Error).message}`, 'err');
    }
  }

  private tile(label: string, value: string | number, testid: string, note = ''): HTMLElement {
    return h('div.bul-tile', { 'data-testid': testid }, h('b', null, String(value)), h('span', null, label), note ? h('small', null, note) : null);
  }

  private draw(): void {
    if (!this.isOpen) return;
    const lang = getLang();
    const b = this.data;
    const within = [...orgs.values()];
    const head = h(
      'div.bul-head',
      null,
      h('h2', null, t('bul.title')),
      h('input.input', {
        type: 'date',
        'data-testid': 'bulletin-date',
        value: this.date,
        max: today(),
        onChange: (e: Event) => {
          this.date = (e.target as HTMLInputElement).value || today();
          void this.load();
        },
      }),
      h(
        'select.input',
        { 'data-testid': 'bulletin-org', onChange: (e: Event) => ((this.org = (e.target as HTMLSelectElement).value), void this.load()) },
        within.map((o) => h('option', { value: o.id, selected: o.id === this.org }, orgName(o.id, lang))),
      ),
      h('span.spacer'),
      b && h('span.muted', null, `${t('bul.generated')} ${fmtTime(b.generated_at, true)}`),
      h('button.btn.btn-sm', { 'data-testid': 'bulletin-xlsx', onClick: () => void this.download() }, t('bul.xlsx')),
      h('button.btn.btn-sm', { onClick: () => window.print() }, t('bul.print')),
      h('button.btn.btn-ghost.btn-sm.icon', { title: t('detail.close'), onClick: () => this.toggle(false) }, '✕'),
    );
    if (!b) {
      setChildren(this.el, head, h('div.pad', { class: this.error ? 'form-error' : 'muted' }, this.error || t('detail.loading')));
      return;
    }
    const ins = b.instructions;
    const chartEl = h('div.bul-chart', { 'data-testid': 'bulletin-chart' });
    setChildren(
      this.el,
      head,
      h('div.bul-sub', null, `${orgName(b.org_id, lang) || b.org_name} · ${b.date}`),
      h(
        'div.bul-tiles',
        null,
        this.tile(t('bul.calls'), b.calls_received, 'bul-calls', `${t('bul.duplicates')} ${b.duplicate_calls}`),
        this.tile(t('bul.incidents'), b.incidents_total, 'bul-incidents', `${t('bul.closed')} ${b.incidents_closed}`),
        this.tile(t('bul.callToDispatch'), mmss(b.call_to_dispatch.median_s), 'bul-c2d', `P90 ${mmss(b.call_to_dispatch.p90_s)} · n=${b.call_to_dispatch.n}`),
        this.tile(t('bul.dispatchToArrival'), mmss(b.dispatch_to_arrival.median_s), 'bul-d2a', `P90 ${mmss(b.dispatch_to_arrival.p90_s)} · n=${b.dispatch_to_arrival.n}`),
        this.tile(t('bul.instructions'), ins.issued, 'bul-instructions', `${t('bul.closed')} ${ins.closed}`),
        this.tile(t('bul.signedInTime'), `${ins.signed_in_time}/${ins.recipients}`, 'bul-signed'),
        this.tile(t('bul.overdue'), ins.overdue, 'bul-overdue'),
      ),
      h('h3.sec', null, t('bul.byType')),
      b.incidents_by_type.length ? chartEl : h('div.muted.pad', null, t('bul.none')),
    );
    if (!b.incidents_by_type.length) return;
    const names = b.incidents_by_type.map((x) => (lang === 'en' ? x.en : x.zh));
    // The chart draws its text on a canvas: the bundled font must cover it first.
    void fontReady(names).then(() => {
      if (!this.isOpen || !chartEl.isConnected) return;
      this.chart?.dispose();
      this.chart = echarts.init(chartEl, undefined, { renderer: 'canvas' });
      this.chart.setOption({
        textStyle: { fontFamily: LABEL_FONT[0], color: '#c9d6ee' },
        grid: { left: 90, right: 30, top: 10, bottom: 24 },
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        xAxis: { type: 'value', minInterval: 1, axisLabel: { color: '#8ea3c2' }, splitLine: { lineStyle: { color: '#1b2a42' } } },
        yAxis: { type: 'category', data: names, inverse: true, axisLabel: { color: '#c9d6ee' } },
        series: [{ type: 'bar', data: b.incidents_by_type.map((x) => x.count), itemStyle: { color: '#3d8bff' }, label: { show: true, position: 'right', color: '#e6f0ff' } }],
      });
    });
  }
}
