// Minimal DOM helper: h('div.cls#id', {attrs}, children…).

type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, unknown>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K | `${K}.${string}` | `${K}#${string}`,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const m = /^([a-z0-9]+)((?:[.#][\w-]+)*)$/i.exec(tag);
  const name = (m ? m[1] : tag) as K;
  const el = document.createElement(name);
  if (m && m[2]) {
    for (const part of m[2].match(/[.#][\w-]+/g) ?? []) {
      if (part[0] === '.') el.classList.add(part.slice(1));
      else el.id = part.slice(1);
    }
  }
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') {
        el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
      } else if (k === 'class') {
        for (const c of String(v).split(/\s+/)) if (c) el.classList.add(c);
      } else if (k === 'style' && typeof v === 'object') {
        for (const [sk, sv] of Object.entries(v as Record<string, string>)) {
          if (sk.startsWith('--')) el.style.setProperty(sk, sv);
          else (el.style as unknown as Record<string, string>)[sk] = sv;
        }
      } else if (k === 'value' && 'value' in el) {
        (el as HTMLInputElement).value = String(v);
      } else if (k === 'checked' || k === 'disabled' || k === 'selected') {
        (el as unknown as Record<string, boolean>)[k] = Boolean(v);
        if (v) el.setAttribute(k, '');
      } else {
        el.setAttribute(k, v === true ? '' : String(v));
      }
    }
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function setChildren(el: Element, ...children: Child[]): void {
  clear(el);
  append(el, children);
}

/** Throttle fn to at most once per `ms`, always running the trailing call. */
/** How long a quiet view waits before drawing the first change of a burst: the events of one
 * commit arrive as several WebSocket messages within a few milliseconds (two posts turning late
 * on one clock step), and drawing on the first would show the dispatcher a state that never
 * existed, corrected only `ms` later. */
const SETTLE_MS = 40;

export function throttle(fn: () => void, ms: number): () => void {
  let last = 0;
  let timer: number | null = null;
  return () => {
    if (timer !== null) return;
    const wait = Math.max(Math.min(SETTLE_MS, ms), last + ms - performance.now());
    timer = window.setTimeout(() => {
      timer = null;
      last = performance.now();
      fn();
    }, wait);
  };
}

/** Transient toast message in the bottom-right corner. */
export function toast(msg: string, kind: 'ok' | 'err' | 'info' = 'info', ms = 3500): void {
  let host = document.getElementById('toasts');
  if (!host) {
    host = h('div#toasts');
    document.body.appendChild(host);
  }
  const el = h('div.toast', { class: `toast-${kind}`, role: 'status', 'data-testid': 'toast' }, msg);
  host.appendChild(el);
  window.setTimeout(() => el.classList.add('out'), ms);
  window.setTimeout(() => el.remove(), ms + 400);
}
