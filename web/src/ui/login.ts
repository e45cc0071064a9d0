// Login page: 用户名 / 密码 → POST /api/v1/session.

import { api, ApiError, type Session } from '../api';
import { h, setChildren } from '../dom';
import { getLang, onLangChange, setLang, t } from '../i18n';

export function renderLogin(root: HTMLElement, onDone: (s: Session) => void, notice?: string): () => void {
  let username = '';
  let password = '';
  let error = notice ?? '';
  let busy = false;

  const draw = () => {
    const user = h('input#login-username', {
      'data-testid': 'login-username',
      name: 'username',
      autocomplete: 'username',
      value: username,
      autofocus: true,
      spellcheck: 'false',
      onInput: (e: Event) => (username = (e.target as HTMLInputElement).value),
    });
    const pass = h('input#login-password', {
      'data-testid': 'login-password',
      name: 'password',
      type: 'password',
      autocomplete: 'current-password',
      value: password,
      onInput: (e: Event) => (password = (e.target as HTMLInputElement).value),
    });
    const form = h(
      'form.login-card',
      {
        'data-testid': 'login-form',
        onSubmit: async (e: Event) => {
          e.preventDefault();
          if (busy) return;
          if (!username.trim() || !password) {
            error = t('login.required');
            draw();
            return;
          }
          busy = true;
          error = '';
          draw();
          try {
            const s = await api.login(username.trim(), password);
            busy = false;
            onDone(s);
          } catch (err) {
            busy = false;
            const ae = err as ApiError;
            error =
              ae.status === 0
                ? t('err.network')
                : ae.status === 401
                  ? `${t('login.failed')}：${t('login.badCredentials')}`
                  : `${t('login.failed')}：${ae.message}`;
            password = '';
            draw();
            (root.querySelector('#login-password') as HTMLInputElement | null)?.focus();
          }
        },
      },
      h(
        'div.login-brand',
        null,
        h('div.emblem', { 'aria-hidden': 'true' }, emblem()),
        h('div', null, h('div.login-name', null, t('app.name')), h('div.login-sub', null, t('app.subtitle'))),
      ),
      h('div.login-title', null, t('login.title')),
      h('label', { for: 'login-username' }, t('login.username')),
      user,
      h('label', { for: 'login-password' }, t('login.password')),
      pass,
      h('div.login-error', { 'data-testid': 'login-error', role: 'alert', hidden: !error }, error),
      h('button.btn.btn-primary.login-submit', { type: 'submit', 'data-testid': 'login-submit', disabled: busy }, busy ? t('login.busy') : t('login.submit')),
      h('div.login-notice', null, t('login.notice')),
    );
    setChildren(
      root,
      h(
        'div.login-page',
        null,
        h('div.login-grid', { 'aria-hidden': 'true' }),
        h(
          'div.login-top',
          null,
          h('span', null, t('app.center')),
          h(
            'button.btn.btn-ghost.btn-sm',
            { 'data-testid': 'lang-switch', title: t('top.langTitle'), onClick: () => setLang(getLang() === 'zh' ? 'en' : 'zh') },
            t('top.lang'),
          ),
        ),
        form,
        h('div.login-foot', null, t('login.offline')),
      ),
    );
    if (!username) user.focus();
    else pass.focus();
  };
  draw();
  return onLangChange(draw);
}

/** A simple shield emblem as inline SVG (no external assets). */
export function emblem(size = 40): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 40 40');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  svg.innerHTML =
    '<path d="M20 2 L36 8 V19 C36 29 29 35.5 20 38 C11 35.5 4 29 4 19 V8 Z" fill="#0d2a52" stroke="#3d8bff" stroke-width="1.6"/>' +
    '<path d="M20 9 L22.6 15.6 L29.6 15.8 L24.1 20.1 L26.1 26.9 L20 22.9 L13.9 26.9 L15.9 20.1 L10.4 15.8 L17.4 15.6 Z" fill="#f4c542"/>';
  return svg;
}
