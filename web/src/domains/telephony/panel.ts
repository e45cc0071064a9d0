// 来电条: the calls ringing at the command centre, above the incident queue. A call-taker answers
// one with a click or F2 (the longest-ringing first); a call the telephone system says this user
// answered (on the desk phone) opens the same way. Either opens the new-incident form filled from
// the call: the number, the handset location (and the road there as the address), the line as
// the source, the ring time as the call's start, and the call as the record's origin.

import { can, type User } from '../../api';
import { h, setChildren, toast } from '../../dom';
import { fmtElapsed, fmtTime, onLangChange, t } from '../../i18n';
import type { LiveFeed } from '../../live';
import { calls, callsApi, type Call } from './api';
import './panel.css';

export class CallStrip {
  readonly el: HTMLElement;
  private timer: number | null = null;
  private busy = false;
  /** Calls answered from this console (their form is already open). */
  private answeredHere = new Set<number>();
  private readonly mayAnswer: boolean;

  constructor(
    live: LiveFeed,
    private user: User,
    private onAnswered: (call: Call) => void,
  ) {
    this.mayAnswer = can(user, 'write_incident');
    this.el = h('section.call-strip', { 'data-testid': 'call-strip', 'aria-label': t('call.title') });
    calls.subscribe(() => this.draw());
    onLangChange(() => this.draw());
    live.subscribe((ev) => {
      if (ev.record_type !== 'call') return;
      const c = ev.data as Call;
      if (!c || typeof c.id !== 'number') return;
      calls.upsert(c);
      // Answered on the desk phone: the telephone system names who picked up.
      if (ev.kind === 'call.answered' && c.answered_by === this.user.username && !this.answeredHere.has(c.id)) void this.openFull(c.id);
    });
    document.addEventListener('keydown', (e) => {
      if (e.key !== 'F2' || !this.mayAnswer) return;
      e.preventDefault();
      const first = this.ringing()[0];
      if (first) void this.answer(first);
    });
    this.draw();
  }

  load(): void {
    void callsApi
      .list()
      .then((r) => calls.upsertMany(r.items ?? []))
      .catch(() => {});
  }

  /** Ringing calls, the longest-ringing first. */
  private ringing(): Call[] {
    return calls
      .all()
      .filter((c) => c.state === 'ringing')
      .sort((a, b) => a.rang_at.localeCompare(b.rang_at) || a.id - b.id);
  }

  private missed(): Call[] {
    const since = Date.now() - 30 * 60_000;
    return calls.all().filter((c) => c.state === 'abandoned' && new Date(c.rang_at).getTime() >= since);
  }

  private async answer(c: Call): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.answeredHere.add(c.id);
    try {
      const full = await callsApi.answer(c.id);
      calls.upsert({ ...full, caller_number: c.caller_number });
      this.onAnswered(full);
    } catch (e) {
      this.answeredHere.delete(c.id);
      toast(`${t('call.failed')}: ${(e as Error).message}`, 'err');
    } finally {
      this.busy = false;
    }
  }

  private async openFull(id: number): Promise<void> {
    try {
      this.onAnswered(await callsApi.get(id));
    } catch (e) {
      toast(`${t('call.failed')}: ${(e as Error).message}`, 'err');
    }
  }

  private draw(): void {
    const ringing = this.ringing();
    const missed = this.missed();
    const mine = calls.all().filter((c) => c.state === 'answered' && c.answered_by === this.user.username);
    this.el.classList.toggle('ringing', ringing.length > 0);
    if (ringing.length > 0 && this.timer === null) this.timer = window.setInterval(() => this.draw(), 1000);
    if (ringing.length === 0 && this.timer !== null) {
      window.clearInterval(this.timer);
      this.timer = null;
    }
    setChildren(
      this.el,
      h(
        'div.cs-head',
        null,
        h('span.cs-title', null, t('call.title')),
        h('b.cs-count', { 'data-testid': 'call-count' }, String(ringing.length)),
        mine.length > 0 ? h('span.cs-mine', null, `${t('call.answered')} ${mine.length}`) : null,
        h('span.spacer'),
        missed.length > 0 ? h('span.cs-missed', { 'data-testid': 'call-missed', title: t('call.missedHint') }, `${t('call.missed')} ${missed.length}`) : null,
        this.mayAnswer && ringing.length > 0 ? h('span.cs-key', null, t('call.answerKey')) : null,
      ),
      ringing.slice(0, 4).map((c) =>
        h(
          'div.cs-row',
          { 'data-testid': 'call-row', 'data-id': String(c.id) },
          h('span.cs-line', { class: `line-${c.line}` }, c.line),
          h('span.cs-number.mono', null, c.caller_number),
          h('span.cs-elapsed.mono', { title: fmtTime(c.rang_at, true) }, `${t('call.ringing')} ${fmtElapsed(c.rang_at)}`),
          h('span.spacer'),
          this.mayAnswer
            ? h('button.btn.btn-sm.btn-primary', { 'data-testid': 'call-answer', onClick: () => void this.answer(c) }, t('call.answer'))
            : null,
        ),
      ),
      ringing.length > 4 ? h('div.cs-more.muted', null, `+${ringing.length - 4}`) : null,
    );
  }
}
