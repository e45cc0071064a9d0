// 舆情预警: the public-opinion alerts of the user's jurisdiction, over the map on the left. The
// queue puts what needs a person first (new before taken, high before elevated, nearest deadline
// first) with a countdown; an alert opens with its evidence posts, the matched terms marked in
// the text as written (with how the clause reads them, the score and the threshold), where it is
// thought to be, and how far it spread. From there: take it (签收), turn it into an incident at
// the place guess or at a place picked on the map (转警情: the incident opens with the nearest
// units), or dismiss it with a reason (排除). Authors stay pseudonyms until the alert went to
// command or escalated; showing them is audited on the server.

import { ApiError, can, type User } from '../../api';
import { h, setChildren, toast } from '../../dom';
import { fmtElapsed, fmtTime, onLangChange, t, type Key } from '../../i18n';
import type { LiveFeed } from '../../live';
import type { OpsMap } from '../../map';
import { incidents, orgName, selectedIncident } from '../../store';
import { getLang } from '../../i18n';
import { CATEGORY_CODES, clusterApi, isOpen, lexiconApi, type ClusterView, opinionAlerts, opinionApi, type EvidencePost, type LexiconDoc, type LexiconVersion, type OpinionAlert } from './api';
import { OpinionLayer } from './layer';
import './panel.css';

type Tab = 'new' | 'acknowledged' | 'closed';

const LEVEL_RANK: Record<string, number> = { high: 0, elevated: 1 };

/** Most urgent first: new before taken, high before elevated, nearest deadline first. */
export function urgency(a: OpinionAlert, b: OpinionAlert): number {
  const st = (x: OpinionAlert) => (x.state === 'new' ? 0 : x.state === 'acknowledged' ? 1 : 2);
  return (
    st(a) - st(b) ||
    (LEVEL_RANK[a.level] ?? 2) - (LEVEL_RANK[b.level] ?? 2) ||
    (isOpen(a) ? a.deadline.localeCompare(b.deadline) : b.last_seen.localeCompare(a.last_seen)) ||
    b.id - a.id
  );
}

/** The post's text with its matched terms marked (offsets are characters of the text). */
export function marked(p: EvidencePost): (HTMLElement | string)[] {
  const chars = [...p.text];
  const spans = [...p.terms].filter((s) => s.end > s.start && s.end <= chars.length).sort((a, b) => a.start - b.start);
  const out: (HTMLElement | string)[] = [];
  let at = 0;
  for (const s of spans) {
    if (s.start < at) continue;
    if (s.start > at) out.push(chars.slice(at, s.start).join(''));
    const soft = s.reading.length > 0;
    out.push(
      h(
        'mark.op-term',
        { class: soft ? 'soft' : '', title: soft ? s.reading.map((r) => t(`op.read.${r}` as Key)).join('·') : s.term },
        chars.slice(s.start, s.end).join(''),
      ),
    );
    at = s.end;
  }
  if (at < chars.length) out.push(chars.slice(at).join(''));
  return out;
}

const catLabel = (c: string) => t(`op.cat.${c}` as Key) ?? c;

export class OpinionPanel {
  readonly el: HTMLElement;
  readonly button: HTMLElement;
  private isOpen = false;
  private tab: Tab = 'new';
  private selected: number | null = null;
  private full = new Map<number, OpinionAlert>();
  private handles = new Map<string, string | null>();
  private dismissing = false;
  private reason = '';
  private address = '';
  private picking = false;
  private picked: { lon: number; lat: number } | null = null;
  private busy = false;
  private error: ApiError | null = null;
  private layer: OpinionLayer | null = null;
  /** The lexicon editor (词库) instead of the alerts, with what is loaded and typed. */
  private editing = false;
  private lexicon: LexiconDoc | null = null;
  private lexVersions: LexiconVersion[] = [];
  private lexText = '';
  private lexNote = '';
  /** The cluster view of the open alert, when asked for. */
  private cluster: ClusterView | null = null;
  private ops: OpsMap | null = null;
  private readonly mayWork: boolean;
  private readonly maySend: boolean;

  constructor(
    user: User,
    live: LiveFeed,
    mapReady: Promise<OpsMap | null>,
    private onOpen: () => void,
  ) {
    this.mayWork = can(user, 'analyse');
    this.maySend = can(user, 'write_incident');
    this.el = h('div.op-panel', { 'data-testid': 'opinion-panel', hidden: true });
    this.button = h('button.icp-btn.op-btn', { 'data-testid': 'opinion-button', title: t('op.title'), onClick: () => this.toggle() });
    live.subscribe((ev) => {
      if (ev.record_type !== 'opinion_alert') return;
      const a = ev.data as OpinionAlert;
      if (!a || typeof a.id !== 'number') return;
      opinionAlerts.upsert(a);
      if (ev.kind === 'opinion_alert.raised' && a.level === 'high') {
        toast(`${t('op.newHigh')}: ${catLabel(a.category)} · ${a.evidence[0]?.text.slice(0, 24) ?? ''}`, 'err', 6000);
      }
    });
    opinionAlerts.subscribe(() => {
      this.drawButton();
      this.drawLayer();
      if (this.isOpen && !this.dismissing && !this.picking && !this.editing) this.draw();
    });
    void mapReady.then((m) => {
      if (!m) return;
      this.ops = m;
      this.layer = new OpinionLayer(m, (id) => this.open(id));
      this.drawLayer();
    });
    window.setInterval(() => this.tick(), 1000);
    onLangChange(() => {
      this.drawButton();
      if (this.isOpen) this.draw();
    });
    this.drawButton();
  }

  load(): void {
    void opinionApi
      .list()
      .then((r) => opinionAlerts.upsertMany(r.items ?? []))
      .catch(() => {});
  }

  get opened(): boolean {
    return this.isOpen;
  }

  toggle(open = !this.isOpen): void {
    if (open === this.isOpen) {
      if (open) this.draw();
      return;
    }
    this.isOpen = open;
    this.el.hidden = !open;
    if (open) {
      this.onOpen();
      this.load();
      this.draw();
    } else {
      this.stopPicking();
      setChildren(this.el);
    }
    this.drawButton();
    this.drawLayer();
  }

  /** Opens one alert (from the list or the map). */
  open(id: number): void {
    this.selected = id;
    this.cluster = null;
    this.dismissing = false;
    this.reason = '';
    this.address = '';
    this.picked = null;
    this.error = null;
    this.stopPicking();
    this.toggle(true);
    this.draw();
    this.drawLayer();
    const a = opinionAlerts.get(id);
    if (a?.place && this.ops) this.ops.flyTo(a.place.location, 14);
    void opinionApi
      .get(id)
      .then((full) => {
        this.full.set(id, full);
        opinionAlerts.upsert(full);
        if (this.selected === id) this.draw();
      })
      .catch(() => {});
  }

  private alerts(): OpinionAlert[] {
    return opinionAlerts.all().sort(urgency);
  }

  private drawButton(): void {
    const fresh = opinionAlerts.all().filter((a) => a.state === 'new');
    const high = fresh.some((a) => a.level === 'high');
    this.button.classList.toggle('on', this.isOpen);
    this.button.classList.toggle('hot', fresh.length > 0);
    this.button.classList.toggle('crit', high);
    setChildren(
      this.button,
      h('i.op-ico'),
      h('span.tb-label', null, t('op.button')),
      fresh.length > 0 && h('b', { 'data-testid': 'opinion-new-count' }, String(fresh.length)),
    );
  }

  private drawLayer(): void {
    const open = opinionAlerts.all().filter(isOpen);
    void this.layer?.show(open, this.isOpen ? this.selected : null);
  }

  private tick(): void {
    if (!this.isOpen) return;
    for (const el of this.el.querySelectorAll<HTMLElement>('[data-deadline]')) {
      el.replaceWith(this.countdown(el.dataset.deadline!, el.dataset.state as OpinionAlert['state']));
    }
  }

  private countdown(deadline: string, state: OpinionAlert['state']): HTMLElement {
    const left = Math.floor((new Date(deadline).getTime() - Date.now()) / 1000);
    const open = state === 'new' || state === 'acknowledged';
    if (!open) return h('span.op-due', { 'data-testid': 'opinion-due' });
    const late = left < 0;
    const s = Math.abs(left);
    const txt = s >= 3600 ? `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
    return h(
      'span.op-due',
      { class: late ? 'late' : left < 30 ? 'soon' : '', 'data-deadline': deadline, 'data-state': state, 'data-testid': 'opinion-due' },
      late ? `${t('op.overdue')} ${txt}` : `${t('op.due')} ${txt}`,
    );
  }

  private draw(): void {
    if (!this.isOpen) return;
    const a = this.selected !== null ? opinionAlerts.get(this.selected) : undefined;
    const shown = a && (this.full.get(a.id)?.version === a.version ? this.full.get(a.id)! : a);
    const body = this.editing ? this.lexiconView() : shown ? [this.detail(shown), this.actions(shown)] : [this.list()];
    setChildren(
      this.el,
      h(
        'div.op-frame',
        null,
        h(
          'div.panel-head',
          null,
          h('span.panel-title', null, t('op.title')),
          h('span.spacer'),
          this.mayWork &&
            h(
              'button.btn.btn-ghost.btn-sm',
              { 'data-testid': 'opinion-lexicon', class: this.editing ? 'on' : '', onClick: () => this.toggleLexicon() },
              t('op.lexicon'),
            ),
          h('button.btn.btn-ghost.btn-sm', { 'aria-label': '×', onClick: () => this.toggle(false) }, '×'),
        ),
        body,
      ),
    );
  }

  private toggleLexicon(): void {
    this.editing = !this.editing;
    this.error = null;
    if (this.editing) void this.loadLexicon();
    this.draw();
  }

  private async loadLexicon(): Promise<void> {
    const [doc, versions] = await Promise.all([lexiconApi.get(), lexiconApi.versions()]);
    this.lexicon = doc;
    this.lexVersions = versions.items;
    this.lexText = doc.text;
    this.lexNote = '';
    if (this.editing) this.draw();
  }

  private lexiconView(): HTMLElement[] {
    const doc = this.lexicon;
    if (!doc) return [h('div.op-body', null, h('div.empty', null, '…'))];
    const counts = new Map<string, number>();
    for (const line of this.lexText.split('\n')) {
      const cat = line.trim().startsWith('#') ? '' : line.split('\t')[0]?.trim();
      if (cat) counts.set(cat, (counts.get(cat) ?? 0) + 1);
    }
    const area = h('textarea.input.op-lex-text', {
      'data-testid': 'opinion-lexicon-text',
      spellcheck: 'false',
      onInput: (e: Event) => (this.lexText = (e.target as HTMLTextAreaElement).value),
    }) as HTMLTextAreaElement;
    area.value = this.lexText;
    const body = h(
      'div.op-body',
      { 'data-testid': 'opinion-lexicon-view' },
      h(
        'div.op-lex-head',
        { 'data-testid': 'opinion-lexicon-version' },
        `${t('op.lexVersion')} ${doc.version}${doc.version === 0 ? ` · ${t('op.lexDefault')}` : ` · ${doc.by} · ${fmtTime(doc.at, true)}`} · ${doc.terms} ${t('op.lexTerms')}`,
      ),
      h('div.op-lex-hint', null, t('op.lexFormat')),
      h(
        'div.op-lex-cats',
        null,
        CATEGORY_CODES.map((c) => h('span.op-chip', { class: counts.has(c) ? '' : 'none' }, `${catLabel(c)} ${counts.get(c) ?? 0}`)),
      ),
      area,
      this.lexVersions.length > 0 &&
        h(
          'div.op-lex-history',
          null,
          h('h3.sec', null, t('op.lexHistory')),
          this.lexVersions.slice(0, 8).map((v) => h('div.op-lex-row', null, `v${v.version} · ${v.by} · ${fmtTime(v.at, true)} · ${v.terms} · ${v.note}`)),
        ),
    );
    const foot = h(
      'div.op-foot',
      null,
      this.error && h('div.form-error', { 'data-testid': 'opinion-error' }, this.error.message),
      h('input.input', {
        'data-testid': 'opinion-lexicon-note',
        value: this.lexNote,
        placeholder: t('op.lexNote'),
        maxlength: '500',
        onInput: (e: Event) => (this.lexNote = (e.target as HTMLInputElement).value),
      }),
      h(
        'div.row-end',
        null,
        h('button.btn.btn-sm.btn-primary', { 'data-testid': 'opinion-lexicon-save', disabled: this.busy, onClick: () => void this.saveLexicon() }, t('op.lexSave')),
      ),
    );
    return [body, foot];
  }

  private async saveLexicon(): Promise<void> {
    const base = this.lexicon?.version ?? 0;
    const r = await this.run(() => lexiconApi.save(this.lexText, this.lexNote, base));
    if (!r) return;
    toast(`${t('op.lexSaved')} v${r.version}`, 'ok');
    await this.loadLexicon();
  }

  private list(): HTMLElement {
    const all = this.alerts();
    const of = (tab: Tab) => all.filter((a) => (tab === 'closed' ? !isOpen(a) : a.state === tab));
    const tabs = (['new', 'acknowledged', 'closed'] as Tab[]).map((tab) =>
      h(
        'button.op-tab',
        { class: this.tab === tab ? 'on' : '', 'data-testid': `opinion-tab-${tab}`, onClick: () => ((this.tab = tab), this.draw()) },
        t(`op.tab.${tab}` as Key),
        h('b', null, String(of(tab).length)),
      ),
    );
    const rows = of(this.tab);
    return h(
      'div.op-body',
      null,
      h('div.op-tabs', null, tabs),
      rows.length === 0
        ? h('div.empty', { 'data-testid': 'opinion-empty' }, t('op.none'))
        : h('div.op-list', null, rows.map((a) => this.row(a))),
    );
  }

  private row(a: OpinionAlert): HTMLElement {
    const p = a.evidence[0];
    return h(
      'button.op-row',
      { class: `lv-${a.level} st-${a.state}`, 'data-testid': 'opinion-row', 'data-id': String(a.id), onClick: () => this.open(a.id) },
      h(
        'div.op-row-top',
        null,
        h('span.op-level', { class: a.level }, t(`op.level.${a.level}` as Key)),
        h('span.op-cat', null, catLabel(a.category)),
        a.cluster_size > 1 && h('span.op-spread', { title: t('op.cluster') }, `${t('op.reposts')} ${a.cluster_size}`),
        a.escalations.length > 0 && h('span.op-esc', null, t('op.escalated')),
        h('span.spacer'),
        isOpen(a) ? this.countdown(a.deadline, a.state) : h('span.op-state', null, t(`op.state.${a.state}` as Key)),
      ),
      p && h('div.op-text', null, marked(p)),
      h(
        'div.op-row-foot',
        null,
        h('span', null, a.place ? `${t(`op.place.${a.place.source}` as Key)} · ${a.place.text === 'geotag' ? `${a.place.location.lon.toFixed(4)}, ${a.place.location.lat.toFixed(4)}` : a.place.text}` : t('op.noPlace')),
        h('span', null, orgName(a.org_id, getLang())),
        h('span', null, fmtElapsed(a.first_seen)),
      ),
    );
  }

  private detail(a: OpinionAlert): HTMLElement {
    const open = isOpen(a);
    const back = h('button.btn.btn-ghost.btn-sm', { 'data-testid': 'opinion-back', onClick: () => ((this.selected = null), this.stopPicking(), this.draw(), this.drawLayer()) }, `‹ ${t('op.back')}`);
    const head = h(
      'div.op-detail-head',
      null,
      h('span.op-level', { class: a.level }, t(`op.level.${a.level}` as Key)),
      h('b.op-cat', null, `${catLabel(a.category)} #${a.id}`),
      h('span.op-state', { 'data-testid': 'opinion-state' }, t(`op.state.${a.state}` as Key)),
      h('span.spacer'),
      open && this.countdown(a.deadline, a.state),
    );
    const facts = h(
      'dl.op-facts',
      null,
      h('dt', null, t('op.score')),
      h('dd', null, `${a.score.toFixed(1)} (${t('op.threshold')} ${a.threshold.toFixed(2)})`),
      h('dt', null, t('op.cluster')),
      h(
        'dd',
        { 'data-testid': 'opinion-cluster' },
        `${t('op.reposts')} ${a.cluster_size} · ${t('op.burst')} ${a.burst.toFixed(1)} `,
        h('button.linkish', { 'data-testid': 'opinion-cluster-show', onClick: () => void this.showCluster(a.id) }, t('op.clusterShow')),
      ),
      h('dt', null, t('op.firstSeen')),
      h('dd', null, `${fmtTime(a.first_seen, true)} · ${t('op.lastSeen')} ${fmtTime(a.last_seen)}`),
      a.acknowledged && h('dt', null, t('op.owner')),
      a.acknowledged && h('dd', null, `${a.acknowledged.by} · ${fmtTime(a.acknowledged.at)}`),
      h('dt', null, t('op.locate')),
      h(
        'dd',
        { 'data-testid': 'opinion-place' },
        a.place
          ? h(
              'button.linkish',
              { onClick: () => this.ops?.flyTo(a.place!.location, 15) },
              `${t(`op.place.${a.place.source}` as Key)} · ${a.place.text === 'geotag' ? `${a.place.location.lon.toFixed(5)}, ${a.place.location.lat.toFixed(5)}` : a.place.text} · ${t('op.confidence')} ${Math.round(a.place.confidence * 100)}%`,
            )
          : t('op.noPlace'),
      ),
      a.closed?.note && h('dt', null, t('op.reason')),
      a.closed?.note && h('dd', null, a.closed.note),
    );
    const posts = h(
      'div.op-posts',
      null,
      h('h3.sec', null, t('op.evidence')),
      a.evidence.map((p) =>
        h(
          'div.op-post',
          { 'data-testid': 'opinion-post' },
          h('div.op-post-text', null, marked(p)),
          h(
            'div.op-post-meta',
            null,
            h('span.op-author', { 'data-testid': 'opinion-author' }, this.handles.get(p.post_id) ?? p.author),
            h('span', null, fmtTime(p.posted_at, true)),
            h('span', null, `${t('op.score')} ${p.score.toFixed(1)}`),
            p.model_score !== undefined && h('span', null, `${t('op.model')} ${(p.model_score * 100).toFixed(0)}%`),
            p.url && h('a', { href: p.url, target: '_blank', rel: 'noopener noreferrer' }, '↗'),
          ),
        ),
      ),
    );
    return h('div.op-body', { 'data-testid': 'opinion-detail' }, back, head, facts, this.clusterView(a), posts);
  }

  private async showCluster(id: number): Promise<void> {
    const view = await this.run(() => clusterApi.get(id));
    if (view && this.selected === id) {
      this.cluster = view;
      this.draw();
    }
  }

  /** The spread: posts per five minutes since the first (a bar each), then the latest posts. */
  private clusterView(a: OpinionAlert): HTMLElement | null {
    const c = this.cluster;
    if (!c || c.id !== a.cluster_id) return null;
    const t0 = new Date(c.first_seen).getTime();
    const bins = new Map<number, number>();
    for (const p of c.posts) {
      const b = Math.floor((new Date(p.received_at).getTime() - t0) / 300_000);
      bins.set(b, (bins.get(b) ?? 0) + 1);
    }
    const last = Math.max(0, ...bins.keys());
    const peak = Math.max(1, ...bins.values());
    const bars = [];
    for (let b = Math.max(0, last - 23); b <= last; b++) {
      const n = bins.get(b) ?? 0;
      bars.push(h('i.op-bar', { style: { height: `${Math.round((n / peak) * 100)}%` }, title: `${n}` }));
    }
    return h(
      'div.op-cluster',
      { 'data-testid': 'opinion-cluster-view' },
      h('h3.sec', null, `${t('op.clusterTitle')} · ${c.size}`),
      h('div.op-bars', { title: t('op.clusterPerMin') }, bars),
      h(
        'div.op-cluster-posts',
        null,
        c.posts.slice(0, 20).map((p) =>
          h(
            'div.op-cluster-post',
            { 'data-testid': 'opinion-cluster-post', class: p.raised ? 'raised' : '' },
            h('span.op-author', null, p.author),
            h('span', null, fmtTime(p.received_at)),
            h('span.op-cluster-text', null, p.text),
          ),
        ),
      ),
    );
  }

  private actions(a: OpinionAlert): HTMLElement | null {
    const err = this.error && h('div.form-error', { 'data-testid': 'opinion-error' }, this.error.message);
    if (!isOpen(a)) {
      return h(
        'div.op-foot',
        null,
        err,
        h(
          'div.row-end',
          null,
          a.incident_id !== undefined &&
            h('button.btn.btn-sm', { 'data-testid': 'opinion-open-incident', onClick: () => this.showIncident(a.incident_id!) }, t('op.openIncident')),
          this.unmaskButton(a),
        ),
      );
    }
    if (this.dismissing) {
      const input = h('input.input', {
        'data-testid': 'opinion-reason',
        value: this.reason,
        placeholder: t('op.reason'),
        maxlength: '500',
        onInput: (e: Event) => (this.reason = (e.target as HTMLInputElement).value),
      }) as HTMLInputElement;
      window.setTimeout(() => input.focus(), 0);
      return h(
        'div.op-foot',
        null,
        err,
        h(
          'div.op-reasons',
          null,
          t('op.reasons')
            .split(',')
            .map((r) => h('button.op-chip', { onClick: () => ((this.reason = r), (input.value = r)) }, r)),
        ),
        input,
        h(
          'div.row-end',
          null,
          h('button.btn.btn-ghost.btn-sm', { onClick: () => ((this.dismissing = false), (this.error = null), this.draw()) }, '×'),
          h('button.btn.btn-sm.btn-danger', { 'data-testid': 'opinion-dismiss-confirm', disabled: this.busy, onClick: () => void this.dismiss(a) }, t('op.confirmDismiss')),
        ),
      );
    }
    const needPlace = !a.place && !this.picked;
    return h(
      'div.op-foot',
      null,
      err,
      this.maySend &&
        h('input.input', {
          'data-testid': 'opinion-address',
          value: this.address,
          placeholder: t('op.address'),
          maxlength: '200',
          onInput: (e: Event) => (this.address = (e.target as HTMLInputElement).value),
        }),
      this.picking && h('div.op-picking', null, t('op.picking')),
      h(
        'div.row-end',
        null,
        this.unmaskButton(a),
        this.mayWork && h('button.btn.btn-ghost.btn-sm', { 'data-testid': 'opinion-dismiss', onClick: () => ((this.dismissing = true), (this.error = null), this.draw()) }, t('op.dismiss')),
        this.mayWork && a.state === 'new' && h('button.btn.btn-sm', { 'data-testid': 'opinion-ack', disabled: this.busy, onClick: () => void this.acknowledge(a) }, t('op.ack')),
        this.maySend &&
          (needPlace || this.picking
            ? h('button.btn.btn-sm', { 'data-testid': 'opinion-pick', class: this.picking ? 'on' : '', onClick: () => this.startPicking(a) }, t('op.pickPlace'))
            : null),
        this.maySend &&
          h(
            'button.btn.btn-sm.btn-primary',
            { 'data-testid': 'opinion-incident', disabled: this.busy || needPlace, onClick: () => void this.toIncident(a) },
            t('op.toIncident'),
          ),
      ),
    );
  }

  private unmaskButton(a: OpinionAlert): HTMLElement | null {
    if (!this.mayWork && !this.maySend) return null;
    const allowed = a.state === 'incident' || a.escalations.length > 0;
    return h(
      'button.btn.btn-ghost.btn-sm',
      {
        'data-testid': 'opinion-unmask',
        disabled: !allowed || this.busy,
        title: allowed ? t('op.unmaskNote') : t('op.pseudonymous'),
        onClick: () => void this.unmask(a),
      },
      t('op.unmask'),
    );
  }

  private startPicking(a: OpinionAlert): void {
    if (!this.ops) return;
    this.picking = true;
    this.ops.startPick((p) => {
      this.picked = p;
      this.picking = false;
      this.ops?.map.getContainer().classList.remove('picking');
      if (this.selected === a.id) this.draw();
    });
    this.draw();
  }

  private stopPicking(): void {
    this.picking = false;
    this.picked = null;
    this.ops?.stopPick();
  }

  private async run<T>(f: () => Promise<T>): Promise<T | null> {
    if (this.busy) return null;
    this.busy = true;
    this.error = null;
    try {
      return await f();
    } catch (e) {
      this.error = e instanceof ApiError ? e : new ApiError(0, 'failed', String((e as Error).message ?? e));
      toast(`${t('op.failed')}: ${(e as Error).message}`, 'err');
      return null;
    } finally {
      this.busy = false;
      this.draw();
    }
  }

  private async acknowledge(a: OpinionAlert): Promise<void> {
    const r = await this.run(() => opinionApi.acknowledge(a.id));
    if (r) opinionAlerts.upsert(r);
  }

  private async dismiss(a: OpinionAlert): Promise<void> {
    const r = await this.run(() => opinionApi.dismiss(a.id, this.reason));
    if (r) {
      this.dismissing = false;
      opinionAlerts.upsert(r);
    }
  }

  private async toIncident(a: OpinionAlert): Promise<void> {
    const body: { location?: { lon: number; lat: number }; address?: string } = {};
    if (this.picked) body.location = this.picked;
    if (this.address.trim()) body.address = this.address.trim();
    const r = await this.run(() => opinionApi.toIncident(a.id, body));
    if (!r) return;
    opinionAlerts.upsert(r.alert);
    incidents.upsert(r.incident);
    toast(`${t('op.incidentMade')} #${r.incident.id}`, 'ok');
    this.stopPicking();
    this.showIncident(r.incident.id);
  }

  /** The incident opens in the detail panel, with the nearest units to send. */
  private showIncident(id: number): void {
    this.toggle(false);
    selectedIncident.set(id);
  }

  private async unmask(a: OpinionAlert): Promise<void> {
    const r = await this.run(() => opinionApi.unmask(a.id));
    if (!r) return;
    for (const au of r.authors) this.handles.set(au.post_id, au.handle ?? au.pseudonym);
  }
}
