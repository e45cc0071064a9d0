// 指令 on the unit terminal (/m): open instructions addressed to this unit (recipient `unit:N`),
// with 签收 and 反馈 as the instruction API defines them, and 报告到位 for a 设卡布控 checkpoint
// (for units without a position feed). Live from the event feed like the orders above it.

import { api, ApiError, type Instruction } from '../api';
import { h, toast } from '../dom';
import { fmtTime, t, type Key } from '../i18n';
import { instructionText } from '../texts';
import type { LiveFeed } from '../live';
import { instructions } from '../store';
import { icpApi, interceptions, type Interception } from '../domains/interception/api';

export class UnitInstructions {
  private busy: number | null = null;
  private errors = new Map<number, string>();
  private texts = new Map<number, string>();
  private loaded = false;

  constructor(
    private unitId: () => number | null,
    live: LiveFeed,
    private redraw: () => void,
  ) {
    instructions.subscribe(() => this.redraw());
    interceptions.subscribe(() => this.redraw());
    live.subscribe((ev) => {
      if (ev.record_type === 'interception') interceptions.upsert(ev.data as Interception);
    });
  }

  async load(): Promise<void> {
    const [open, icps] = await Promise.allSettled([api.instructions('open'), icpApi.list('active')]);
    if (open.status === 'fulfilled') instructions.upsertMany(open.value.items ?? []);
    if (icps.status === 'fulfilled') interceptions.upsertMany(icps.value.items ?? []);
    this.loaded = true;
    this.redraw();
  }

  private target(): string {
    return `unit:${this.unitId()}`;
  }

  private mine(): Instruction[] {
    const me = this.target();
    return instructions
      .all()
      .filter((i) => i.status === 'open' && i.recipients.some((r) => r.target === me))
      .sort((a, b) => a.deadline.localeCompare(b.deadline) || b.id - a.id);
  }

  /** The interception checkpoint an instruction sent this unit to, if any. */
  private checkpoint(ins: Instruction): { rec: Interception; index: number } | null {
    for (const rec of interceptions.all()) {
      if (rec.status !== 'active') continue;
      const p = rec.points.find((x) => x.instruction_id === ins.id);
      if (p) return { rec, index: p.index };
    }
    return null;
  }

  private async act(ins: Instruction, what: 'sign' | 'feedback' | 'arrived'): Promise<void> {
    if (this.busy !== null) return;
    this.busy = ins.id;
    this.errors.delete(ins.id);
    this.redraw();
    try {
      if (what === 'sign') {
        instructions.upsert(await api.signInstruction(ins.id, this.target()));
        toast(t('mi.signedOk'), 'ok', 2000);
      } else if (what === 'feedback') {
        instructions.upsert(await api.feedbackInstruction(ins.id, this.target(), (this.texts.get(ins.id) ?? '').trim()));
        this.texts.delete(ins.id);
        toast(t('mi.done'), 'ok', 2000);
      } else {
        const cp = this.checkpoint(ins);
        if (cp) interceptions.upsert(await icpApi.arrived(cp.rec.id, cp.index));
        toast(t('mi.arrivedOk'), 'ok', 2000);
      }
      navigator.vibrate?.(40);
    } catch (e) {
      this.errors.set(ins.id, (e as ApiError).message);
    } finally {
      this.busy = null;
      this.redraw();
    }
  }

  private card(ins: Instruction): HTMLElement {
    const r = ins.recipients.find((x) => x.target === this.target())!;
    const cp = this.checkpoint(ins);
    const point = cp?.rec.points[cp.index];
    const overdue = new Date(ins.deadline).getTime() < Date.now() && r.status !== 'done';
    const err = this.errors.get(ins.id);
    const ta = h('textarea.input', {
      rows: '2',
      'data-testid': 'mi-text',
      placeholder: t('mi.feedbackPh'),
      onInput: (e: Event) => this.texts.set(ins.id, (e.target as HTMLTextAreaElement).value),
    });
    ta.value = this.texts.get(ins.id) ?? '';
    return h(
      'section.m-order.m-instr',
      { 'data-testid': 'm-instruction', 'data-id': String(ins.id), 'data-status': r.status, style: { '--c': cp ? '#ff7a50' : '#22c7e0' } },
      h(
        'div.mo-head',
        null,
        h('span.mo-type', { 'data-testid': 'mi-title' }, instructionText(ins).title),
        h('span.spacer'),
        h('span.mo-status', null, t(`instr.rstatus.${r.status}` as Key)),
      ),
      h('div.mo-info', null, h('div.mo-desc', null, instructionText(ins).body || '—')),
      h(
        'div.mo-meta.mono',
        null,
        h('span', { class: overdue ? 'mi-late' : '' }, `${t('mi.due')} ${fmtTime(ins.deadline)}${overdue ? ` · ${t('mi.overdue')}` : ''}`),
        point && h('span', null, t(`icp.status.${point.status}` as Key)),
        h('span', null, ins.issued_by),
      ),
      err && h('div.form-error', { role: 'alert' }, err),
      r.status !== 'done' && ins.feedback_required && r.status === 'signed' && h('div.mo-result', null, ta),
      h(
        'div.mo-actions',
        null,
        r.status === 'pending' &&
          h('button.btn.m-btn', { 'data-testid': 'mi-sign', disabled: this.busy !== null, onClick: () => void this.act(ins, 'sign') }, t('mi.sign')),
        point &&
          point.status !== 'on_site' &&
          h('button.btn.m-btn.m-to-on_scene', { 'data-testid': 'mi-arrived', disabled: this.busy !== null, onClick: () => void this.act(ins, 'arrived') }, t('mi.arrived')),
        r.status === 'signed' &&
          ins.feedback_required &&
          h('button.btn.m-btn', { 'data-testid': 'mi-feedback', disabled: this.busy !== null, onClick: () => void this.act(ins, 'feedback') }, t('mi.send')),
      ),
    );
  }

  render(): HTMLElement {
    const list = this.mine();
    return h(
      'div.m-instrs',
      null,
      h('h3.m-sec', null, t('mi.title'), h('span.count', { 'data-testid': 'm-instruction-count' }, String(list.length))),
      list.length === 0 ? h('div.m-empty', null, this.loaded ? t('mi.none') : t('detail.loading')) : list.map((i) => this.card(i)),
    );
  }
}
