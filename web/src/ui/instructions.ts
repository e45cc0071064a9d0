// 指令: instructions with a closed loop — list (在办/已办结), create form (issuers), detail with the
// recipients' state (签收/反馈/逾期), sign and feedback for recipients, close with an outcome for the
// issuer. Supervisors see every instruction as a read-only copy. Live via `record_type: "instruction"`.

import { api, ApiError, can, canIssueInstructions, type Instruction, type NewInstruction, type Recipient, type User } from '../api';
import { h, setChildren, toast } from '../dom';
import { fmtTime, getLang, onLangChange, t, tDyn } from '../i18n';
import { instructionText } from '../texts';
import { incidents, instructions, orgName, orgs, recipientName, selectedIncident, units } from '../store';
import { fromWall, wall } from '../zone';

type View = { kind: 'list' } | { kind: 'detail'; id: number } | { kind: 'new' };

interface Draft {
  title: string;
  body: string;
  targets: string[]; // "org:ID" | "unit:N"
  deadline: string; // datetime-local value
  feedback: boolean;
  linkIncident: boolean;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** A datetime-local value on the command centre's clock (zone.ts), as every time is shown. */
function localInput(d: Date): string {
  const c = wall(d.getTime());
  return `${c.getUTCFullYear()}-${pad(c.getUTCMonth() + 1)}-${pad(c.getUTCDate())}T${pad(c.getUTCHours())}:${pad(c.getUTCMinutes())}`;
}

export function isOverdue(ins: Instruction, r?: Recipient, now = Date.now()): boolean {
  if (ins.status === 'closed') return false;
  if (new Date(ins.deadline).getTime() > now) return false;
  return r ? r.status !== 'done' : ins.recipients.some((x) => x.status !== 'done');
}

type InstrTab = 'todo' | 'overdue' | 'open' | 'closed';
const INSTR_TABS: InstrTab[] = ['todo', 'overdue', 'open', 'closed'];
/** Most rows a list draws at once. */
const LIST_MAX = 200;

export class InstructionPanel {
  readonly el: HTMLElement;
  readonly button: HTMLElement;
  private view: View = { kind: 'list' };
  private filter: InstrTab = 'open';
  /** Search over id, title and issuer. */
  private query = '';
  private isOpen = false;
  private available = true;
  private loaded = false;
  private draft: Draft = this.emptyDraft();
  private error: ApiError | null = null;
  private busy = false;
  private feedbackText = new Map<string, string>();
  private outcome = '';
  private closing = false;
  private readonly readOnly: boolean;
  private readonly canIssue: boolean;

  constructor(
    private user: User,
    private onOpen: () => void,
  ) {
    this.readOnly = !can(user, 'answer_instruction');
    this.canIssue = canIssueInstructions(user);
    this.el = h('div.instr-panel', { 'data-testid': 'instructions-panel', hidden: true });
    this.button = h('button.instr-btn', { 'data-testid': 'instructions-button', onClick: () => this.toggle() });
    instructions.subscribe(() => {
      this.drawButton();
      if (this.isOpen && !(this.view.kind === 'new')) this.draw();
    });
    onLangChange(() => {
      this.drawButton();
      if (this.isOpen) this.draw();
    });
    window.setInterval(() => {
      if (this.isOpen && this.view.kind !== 'new') this.draw();
      this.drawButton();
    }, 15000);
    this.drawButton();
  }

  private emptyDraft(): Draft {
    return { title: '', body: '', targets: [], deadline: localInput(new Date(Date.now() + 30 * 60000)), feedback: true, linkIncident: false };
  }

  load(): void {
    void Promise.all([api.instructions('open'), api.instructions('closed')])
      .then(([a, b]) => {
        instructions.upsertMany([...(a.items ?? []), ...(b.items ?? [])]);
        this.loaded = true;
        this.available = true;
        this.drawButton();
        if (this.isOpen) this.draw();
      })
      .catch((e: ApiError) => {
        if (e.status === 404) this.available = false;
        this.loaded = true;
        this.drawButton();
        if (this.isOpen) this.draw();
      });
  }

  get opened(): boolean {
    return this.isOpen;
  }

  toggle(open = !this.isOpen): void {
    this.isOpen = open;
    this.el.hidden = !open;
    if (open) {
      this.onOpen();
      if (!this.loaded || !this.available) this.load();
      this.draw();
    } else setChildren(this.el);
    this.drawButton();
  }

  /** Open the panel on one instruction (e.g. from an alert). */
  show(id: number): void {
    this.view = { kind: 'detail', id };
    this.toggle(true);
    if (!instructions.get(id)) void api.instruction(id).then((r) => instructions.upsert(r)).catch(() => {});
  }

  /** Recipient keys this user may act for. */
  private mine(ins: Instruction): Recipient[] {
    if (this.readOnly) return [];
    return ins.recipients.filter(
      (r) => r.target === `org:${this.user.org_id}` || (this.user.unit_id != null && r.target === `unit:${this.user.unit_id}`),
    );
  }

  private isIssuer(ins: Instruction): boolean {
    return !this.readOnly && (ins.issued_by === this.user.username || (can(this.user, 'oversee') && orgs.has(ins.issuer_org_id)));
  }

  /** Instructions waiting for this user's action (sign or feedback). */
  private todo(): number {
    let n = 0;
    for (const ins of instructions.byId.values()) {
      if (ins.status !== 'open') continue;
      if (this.mine(ins).some((r) => r.status === 'pending' || (ins.feedback_required && r.status !== 'done'))) n++;
    }
    return n;
  }

  private drawButton(): void {
    let open = 0;
    let late = 0;
    for (const ins of instructions.byId.values()) {
      if (ins.status !== 'open') continue;
      open++;
      if (isOverdue(ins)) late++;
    }
    const todo = this.todo();
    this.button.classList.toggle('on', this.isOpen);
    this.button.classList.toggle('hot', todo > 0 || late > 0);
    setChildren(
      this.button,
      h('span.ib-label', null, t('instr.title')),
      h('b.ib-count', { 'data-testid': 'instructions-count', 'data-todo': String(todo), title: t('instr.openCount') }, String(todo > 0 ? todo : open)),
      late > 0 && h('span.ib-late', { title: t('instr.overdue') }, String(late)),
    );
  }

  private draw(): void {
    if (!this.isOpen) return;
    const active = document.activeElement as HTMLElement | null;
    const focusId = active && this.el.contains(active) ? active.dataset.testid : undefined;
    let body: HTMLElement;
    if (!this.available) body = h('div.muted.pad', { 'data-testid': 'instr-unavailable' }, t('instr.unavailable'));
    else if (this.view.kind === 'new') body = this.formView();
    else if (this.view.kind === 'detail') body = this.detailView(this.view.id);
    else body = this.listView();
    setChildren(
      this.el,
      h(
        'div.ip-frame',
        null,
        h(
          'div.panel-head',
          null,
          this.view.kind !== 'list' &&
            h('button.btn.btn-ghost.btn-sm.icon', { 'data-testid': 'instr-back', title: t('instr.back'), onClick: () => this.go({ kind: 'list' }) }, '‹'),
          h('h2', null, t('instr.title')),
          this.readOnly && h('span.ro-tag', { 'data-testid': 'instr-readonly' }, t('instr.readOnly')),
          h('div.spacer'),
          this.canIssue &&
            this.view.kind === 'list' &&
            h('button.btn.btn-primary.btn-sm', { 'data-testid': 'instr-new', onClick: () => this.go({ kind: 'new' }) }, h('span.plus', null, '+'), t('instr.new')),
          h('button.btn.btn-ghost.btn-sm.icon', { title: t('detail.close'), 'data-testid': 'instr-close-panel', onClick: () => this.toggle(false) }, '✕'),
        ),
        body,
      ),
    );
    const again = focusId ? (this.el.querySelector(`[data-testid="${focusId}"]`) as HTMLElement | null) : null;
    again?.focus();
    // Typing in the search redraws the list: the caret stays at the end of what was typed.
    if (again instanceof HTMLInputElement && again.type === 'search') again.setSelectionRange(again.value.length, again.value.length);
  }

  private go(v: View): void {
    this.view = v;
    this.error = null;
    this.closing = false;
    this.outcome = '';
    if (v.kind === 'new') {
      this.draft = this.emptyDraft();
      this.draft.linkIncident = selectedIncident.value !== null;
    }
    this.draw();
    if (v.kind === 'new') (this.el.querySelector('[data-testid=instr-title]') as HTMLElement | null)?.focus();
  }

  /** Whether `ins` belongs under `tab`: what waits for me, what is overdue, open, closed. */
  private inTab(ins: Instruction, tab: InstrTab, now: number): boolean {
    switch (tab) {
      case 'todo':
        return ins.status === 'open' && this.mine(ins).some((r) => r.status !== 'done');
      case 'overdue':
        return ins.status === 'open' && isOverdue(ins, undefined, now);
      default:
        return ins.status === tab;
    }
  }

  private listView(): HTMLElement {
    const now = Date.now();
    const q = this.query.trim().toLowerCase();
    const found = (i: Instruction) =>
      !q || `#${i.id}`.includes(q) || instructionText(i).title.toLowerCase().includes(q) || i.issued_by.toLowerCase().includes(q);
    const counts: Record<InstrTab, number> = { todo: 0, overdue: 0, open: 0, closed: 0 };
    for (const i of instructions.byId.values()) for (const tab of INSTR_TABS) if (this.inTab(i, tab, now)) counts[tab]++;
    const all = instructions
      .all()
      .filter((i) => this.inTab(i, this.filter, now) && found(i))
      .sort((a, b) => b.issued_at.localeCompare(a.issued_at) || b.id - a.id);
    // A long list draws its newest rows; the search narrows the rest.
    const list = all.slice(0, LIST_MAX);
    return h(
      'div.ip-body',
      null,
      h(
        'div.seg.ip-tabs',
        null,
        INSTR_TABS.map((f) =>
          h(
            'button.seg-btn',
            { class: this.filter === f ? 'on' : '', 'data-testid': `instr-filter-${f}`, onClick: () => ((this.filter = f), this.draw()) },
            t(`instr.tab.${f}` as 'instr.tab.open'),
            h('span.seg-count', null, String(counts[f])),
          ),
        ),
      ),
      h('input.input.ip-search', {
        type: 'search',
        'data-testid': 'instr-search',
        placeholder: t('instr.search'),
        value: this.query,
        onInput: (e: Event) => {
          this.query = (e.target as HTMLInputElement).value;
          this.draw();
        },
      }),
      all.length > list.length && h('div.muted.ip-more', null, `${list.length} / ${all.length}`),
      list.length === 0
        ? h('div.muted.pad', null, t('instr.none'))
        : h(
            'div.ip-list',
            { 'data-testid': 'instr-list' },
            list.map((ins) => {
              const signed = ins.recipients.filter((r) => r.status !== 'pending').length;
              const done = ins.recipients.filter((r) => r.status === 'done').length;
              const late = isOverdue(ins, undefined, now);
              const mineTodo = ins.status === 'open' && this.mine(ins).some((r) => r.status !== 'done');
              return h(
                'div.ip-row',
                {
                  'data-testid': 'instr-row',
                  'data-id': String(ins.id),
                  class: `${late ? 'late' : ''} ${mineTodo ? 'todo' : ''}`,
                  tabindex: '0',
                  onClick: () => this.go({ kind: 'detail', id: ins.id }),
                  onKeydown: (e: KeyboardEvent) => e.key === 'Enter' && this.go({ kind: 'detail', id: ins.id }),
                },
                h(
                  'div.ip-top',
                  null,
                  h('span.ip-id.mono', null, `#${ins.id}`),
                  h('span.ip-title', null, instructionText(ins).title),
                  mineTodo && h('span.tag.tag-todo', null, t('instr.todo')),
                  ins.escalated_at && h('span.tag.tag-esc', null, t('instr.escalated')),
                  late && h('span.tag.tag-late', null, t('instr.overdue')),
                ),
                h(
                  'div.ip-sub',
                  null,
                  h('span', null, ins.issued_by),
                  h('span.mono', { title: t('instr.deadline') }, `${t('instr.deadline')} ${fmtTime(ins.deadline, true).slice(5, 16)}`),
                  h('span.spacer'),
                  h('span.mono', { title: t('instr.progress') }, `${t('instr.signed')} ${signed}/${ins.recipients.length}`),
                  ins.feedback_required && h('span.mono', null, `${t('instr.fed')} ${done}/${ins.recipients.length}`),
                ),
              );
            }),
          ),
    );
  }

  private detailView(id: number): HTMLElement {
    const ins = instructions.get(id);
    if (!ins) return h('div.ip-body', null, h('div.muted.pad', null, t('detail.loading')));
    const lang = getLang();
    const mine = new Set(this.mine(ins).map((r) => r.target));
    const now = Date.now();
    const late = isOverdue(ins, undefined, now);
    const kv = (k: Parameters<typeof t>[0], v: Node | string | null, cls = '') => h('div.kv', { class: cls }, h('dt', null, t(k)), h('dd', null, v ?? '—'));
    const recipients = ins.recipients.map((r) => {
      const rLate = isOverdue(ins, r, now);
      const canAct = ins.status === 'open' && mine.has(r.target);
      const fb = this.feedbackText.get(`${ins.id}|${r.target}`) ?? '';
      return h(
        'div.rcp',
        { 'data-testid': 'instr-recipient', 'data-target': r.target, 'data-status': r.status, class: `rcp-${r.status}${rLate ? ' late' : ''}${canAct ? ' mine' : ''}` },
        h(
          'div.rcp-head',
          null,
          h('span.rcp-name', null, recipientName(r, lang)),
          h('span.rcp-status', { 'data-testid': 'recipient-status' }, tDyn(`instr.rstatus.${r.status}`, r.status)),
          rLate && h('span.tag.tag-late', null, t('instr.overdue')),
          h('span.spacer'),
          canAct &&
            r.status === 'pending' &&
            h('button.btn.btn-primary.btn-sm', { 'data-testid': 'instr-sign', disabled: this.busy, onClick: () => void this.act(() => api.signInstruction(ins.id, r.target), 'instr.signedOk') }, t('instr.sign')),
        ),
        h(
          'div.rcp-times.mono',
          null,
          r.signed_at && h('span', null, `${t('instr.signed')} ${fmtTime(r.signed_at)}${r.signed_by ? ` · ${r.signed_by}` : ''}`),
          r.feedback_at && h('span', null, `${t('instr.fed')} ${fmtTime(r.feedback_at)}`),
        ),
        r.feedback && h('div.rcp-fb', { 'data-testid': 'recipient-feedback' }, r.feedback),
        canAct &&
          r.status !== 'done' &&
          h(
            'div.rcp-form',
            null,
            h('textarea.input', {
              rows: '2',
              'data-testid': 'instr-feedback-text',
              placeholder: t('instr.feedbackPh'),
              onInput: (e: Event) => this.feedbackText.set(`${ins.id}|${r.target}`, (e.target as HTMLTextAreaElement).value),
              value: fb,
            }),
            h(
              'button.btn.btn-sm',
              {
                'data-testid': 'instr-feedback-send',
                disabled: this.busy,
                onClick: () =>
                  void this.act(() => api.feedbackInstruction(ins.id, r.target, (this.feedbackText.get(`${ins.id}|${r.target}`) ?? '').trim()), 'instr.fedOk', () =>
                    this.feedbackText.delete(`${ins.id}|${r.target}`),
                  ),
              },
              t('instr.feedback'),
            ),
          ),
      );
    });
    const issuer = this.isIssuer(ins) && ins.status === 'open';
    const closeForm =
      issuer &&
      (this.closing
        ? h(
            'div.ip-close',
            null,
            h('textarea.input', {
              rows: '2',
              'data-testid': 'instr-outcome',
              placeholder: t('instr.outcomePh'),
              value: this.outcome,
              onInput: (e: Event) => (this.outcome = (e.target as HTMLTextAreaElement).value),
            }),
            h(
              'div.row-end',
              null,
              h('button.btn.btn-ghost.btn-sm', { onClick: () => ((this.closing = false), this.draw()) }, t('detail.cancel')),
              h(
                'button.btn.btn-danger.btn-sm',
                {
                  'data-testid': 'instr-close-confirm',
                  disabled: this.busy,
                  onClick: () => void this.act(() => api.closeInstruction(ins.id, this.outcome.trim()), 'instr.closedOk', () => ((this.closing = false), (this.outcome = ''))),
                },
                t('instr.closeConfirm'),
              ),
            ),
          )
        : h('div.row-end', null, h('button.btn.btn-sm', { 'data-testid': 'instr-close', onClick: () => ((this.closing = true), this.draw()) }, t('instr.close'))));
    return h(
      'div.ip-body',
      { 'data-testid': 'instr-detail', 'data-id': String(ins.id), 'data-status': ins.status },
      h(
        'div.ip-dtitle',
        null,
        h('span.ip-id.mono', null, `#${ins.id}`),
        h('span', null, instructionText(ins).title),
        h('span.status-badge', { class: ins.status === 'open' ? 'sb-dispatched' : 'sb-closed', 'data-testid': 'instr-status' }, t(ins.status === 'open' ? 'instr.open' : 'instr.closed')),
      ),
      h('div.ip-text', null, instructionText(ins).body),
      h(
        'dl.kv-grid',
        null,
        kv('instr.issuer', `${ins.issued_by} · ${orgName(ins.issuer_org_id, lang)}`, 'wide'),
        kv('instr.issuedAt', h('span.mono', null, fmtTime(ins.issued_at, true).slice(5))),
        kv('instr.deadline', h('span.mono', { class: late ? 'txt-crit' : '' }, fmtTime(ins.deadline, true).slice(5))),
        kv('instr.feedbackReq', t(ins.feedback_required ? 'instr.yes' : 'instr.no')),
        kv(
          'instr.incident',
          ins.incident_id != null
            ? h('a.link', { href: '#', onClick: (e: Event) => (e.preventDefault(), selectedIncident.set(ins.incident_id)) }, `#${ins.incident_id}`)
            : '—',
        ),
        ins.escalated_at && kv('instr.escalated', h('span.mono.txt-warn', null, fmtTime(ins.escalated_at, true).slice(5)), 'wide'),
        ins.status === 'closed' && kv('instr.outcome', h('div.desc', { 'data-testid': 'instr-outcome-text' }, ins.outcome ?? '—'), 'wide'),
      ),
      h('h3.sec', null, t('instr.recipients'), h('span.count', null, String(ins.recipients.length))),
      h('div.rcp-list', null, recipients),
      this.error && h('div.form-error', { role: 'alert', 'data-testid': 'instr-error' }, this.error.message),
      closeForm,
    );
  }

  private async act(fn: () => Promise<Instruction>, okKey: Parameters<typeof t>[0], after?: () => void): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.error = null;
    this.draw();
    try {
      const r = await fn();
      instructions.upsert(r);
      after?.();
      toast(`${t(okKey)} #${r.id}`, 'ok', 2000);
    } catch (e) {
      this.error = e as ApiError;
    } finally {
      this.busy = false;
      this.draw();
    }
  }

  private formView(): HTMLElement {
    const d = this.draft;
    const lang = getLang();
    const bad = (f: string) => (this.error?.field && (this.error.field === f || this.error.field.startsWith(`${f}.`) || this.error.field.startsWith(`${f}[`)) ? 'invalid' : '');
    const sel = h(
      'select.input',
      {
        'data-testid': 'instr-target-select',
        'data-field': 'targets',
        class: bad('targets'),
        onChange: (e: Event) => {
          const v = (e.target as HTMLSelectElement).value;
          if (v && !d.targets.includes(v)) d.targets.push(v);
          this.draw();
        },
      },
      h('option', { value: '' }, t('instr.addTarget')),
      h(
        'optgroup',
        { label: t('instr.orgs') },
        orgTree().map(({ id, depth }) =>
          h('option', { value: `org:${id}`, disabled: d.targets.includes(`org:${id}`) }, `${'\u00a0\u00a0\u00a0'.repeat(depth)}${orgName(id, lang)}`),
        ),
      ),
      h(
        'optgroup',
        { label: t('instr.units') },
        units
          .all()
          .sort((a, b) => a.call_sign.localeCompare(b.call_sign, 'zh'))
          .map((u) => h('option', { value: `unit:${u.id}`, disabled: d.targets.includes(`unit:${u.id}`) }, u.call_sign)),
      ),
    );
    const inc = selectedIncident.value;
    return h(
      'form.ip-body.ip-form',
      {
        'data-testid': 'instr-form',
        novalidate: true,
        onSubmit: (e: Event) => (e.preventDefault(), void this.create()),
        onKeydown: (e: KeyboardEvent) => {
          if (e.key === 'Escape') {
            e.stopPropagation();
            this.go({ kind: 'list' });
          } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void this.create();
          }
        },
      },
      this.error && h('div.form-error', { role: 'alert', 'data-testid': 'instr-error', 'data-field': this.error.field ?? '' }, this.error.message),
      h('div.f', null, h('label', null, t('instr.fTitle')), h('input.input', { 'data-testid': 'instr-title', 'data-field': 'title', class: bad('title'), value: d.title, onInput: (e: Event) => (d.title = (e.target as HTMLInputElement).value) })),
      h('div.f', null, h('label', null, t('instr.fBody')), (() => {
        const ta = h('textarea.input', { rows: '4', 'data-testid': 'instr-body', 'data-field': 'body', class: bad('body'), onInput: (e: Event) => (d.body = (e.target as HTMLTextAreaElement).value) });
        ta.value = d.body;
        return ta;
      })()),
      h(
        'div.f',
        null,
        h('label', null, t('instr.fTargets')),
        h(
          'div.chips',
          { 'data-testid': 'instr-targets' },
          d.targets.map((k) =>
            h(
              'span.chip',
              { 'data-target': k },
              targetName(k, lang),
              h('button.chip-x', { type: 'button', title: t('detail.cancel'), onClick: () => ((d.targets = d.targets.filter((x) => x !== k)), this.draw()) }, '×'),
            ),
          ),
          d.targets.length === 0 && h('span.hint', null, t('instr.noTargets')),
        ),
        sel,
      ),
      h(
        'div.f-row',
        null,
        h('div.f', null, h('label', null, t('instr.deadline')), h('input.input', { type: 'datetime-local', 'data-testid': 'instr-deadline', 'data-field': 'deadline', class: bad('deadline'), value: d.deadline, onInput: (e: Event) => (d.deadline = (e.target as HTMLInputElement).value) })),
        h(
          'div.f.f-quick',
          null,
          h('label', null, '\u00a0'),
          h(
            'div.quick',
            null,
            [15, 30, 60, 120].map((m) =>
              h('button.btn.btn-ghost.btn-sm', { type: 'button', onClick: () => ((d.deadline = localInput(new Date(Date.now() + m * 60000))), this.draw()) }, m < 60 ? `${m}${t('instr.min')}` : `${m / 60}${t('instr.hour')}`),
            ),
          ),
        ),
      ),
      h(
        'label.check',
        null,
        h('input', { type: 'checkbox', 'data-testid': 'instr-feedback-required', checked: d.feedback, onChange: (e: Event) => (d.feedback = (e.target as HTMLInputElement).checked) }),
        t('instr.feedbackReq'),
      ),
      inc !== null &&
        h(
          'label.check',
          null,
          h('input', { type: 'checkbox', 'data-testid': 'instr-link-incident', checked: d.linkIncident, onChange: (e: Event) => (d.linkIncident = (e.target as HTMLInputElement).checked) }),
          `${t('instr.linkIncident')} #${inc}`,
          incidents.get(inc) ? ` · ${incidents.get(inc)!.address}` : '',
        ),
      h(
        'div.row-end',
        null,
        h('button.btn.btn-ghost', { type: 'button', onClick: () => this.go({ kind: 'list' }) }, t('detail.cancel')),
        h('button.btn.btn-primary', { type: 'submit', 'data-testid': 'instr-submit', disabled: this.busy }, t('instr.issue')),
      ),
    );
  }

  private async create(): Promise<void> {
    if (this.busy) return;
    const d = this.draft;
    // The field is on the command centre's clock, whatever the browser's zone.
    const dl = new Date(fromWall(d.deadline));
    const body: NewInstruction = {
      title: d.title.trim(),
      body: d.body.trim(),
      targets: d.targets.map((k) => (k.startsWith('unit:') ? { unit_id: Number(k.slice(5)) } : { org_id: k.slice(4) })),
      deadline: Number.isNaN(dl.getTime()) ? d.deadline : dl.toISOString(),
      feedback_required: d.feedback,
    };
    if (d.linkIncident && selectedIncident.value !== null) body.incident_id = selectedIncident.value;
    this.busy = true;
    this.error = null;
    this.draw();
    try {
      const r = await api.createInstruction(body);
      instructions.upsert(r);
      toast(`${t('instr.issued')} #${r.id}`, 'ok');
      this.busy = false;
      this.filter = 'open';
      this.go({ kind: 'detail', id: r.id });
    } catch (e) {
      this.busy = false;
      this.error = e as ApiError;
      this.draw();
    }
  }
}

function targetName(key: string, lang: 'zh' | 'en'): string {
  if (key.startsWith('org:')) return orgName(key.slice(4), lang);
  if (key.startsWith('unit:')) return units.get(Number(key.slice(5)))?.call_sign ?? key;
  return key;
}

/** The organisations in tree order with their depth. */
function orgTree(): { id: string; depth: number }[] {
  const kids = new Map<string | null, string[]>();
  for (const o of orgs.values()) {
    const p = o.parent_id && orgs.has(o.parent_id) ? o.parent_id : null;
    if (!kids.has(p)) kids.set(p, []);
    kids.get(p)!.push(o.id);
  }
  const out: { id: string; depth: number }[] = [];
  const walk = (p: string | null, depth: number) => {
    for (const id of (kids.get(p) ?? []).sort()) {
      out.push({ id, depth });
      walk(id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}
