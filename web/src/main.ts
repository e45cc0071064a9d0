// Entry point: login page or console, depending on the session token in sessionStorage.

import './fonts.css';
import './styles.css';
import { api, clearSession, getStoredUser, getToken, onUnauthorized, type User } from './api';
import { getLang, onLangChange, t } from './i18n';
import { renderLogin } from './ui/login';
import { renderConsole } from './ui/console';
import { renderTerminal } from './ui/terminal';

/** /m is the phone page of a field unit (警力终端); everything else is the console. */
const TERMINAL = /^\/m\/?$/.test(location.pathname);

const NOTICE_KEY = 'zhihui.notice';
const root = document.getElementById('app')!;

function applyTitle(): void {
  document.title = TERMINAL ? `${t('m.title')} · ${t('app.name')}` : t('app.name');
  document.documentElement.lang = getLang() === 'zh' ? 'zh-CN' : 'en';
}

function showLogin(): void {
  const notice = sessionStorage.getItem(NOTICE_KEY) ?? undefined;
  sessionStorage.removeItem(NOTICE_KEY);
  document.body.className = TERMINAL ? 'on-login on-terminal' : 'on-login';
  renderLogin(
    root,
    (s) => {
      // A full page load gives the console a clean slate (no leftover listeners).
      void s;
      location.reload();
    },
    notice,
  );
}

/** A field unit on a phone belongs on /m: the console's desktop layout is of no use there. */
function phoneUnit(user: User): boolean {
  const phone = window.matchMedia('(pointer: coarse) and (max-width: 820px)').matches;
  return phone && (user.role === 'unit' || user.role === 'grid');
}

function showConsole(user: User): void {
  if (!TERMINAL && phoneUnit(user)) {
    location.replace('/m');
    return;
  }
  document.body.className = TERMINAL ? 'on-terminal' : 'on-console';
  (TERMINAL ? renderTerminal : renderConsole)(root, user, async () => {
    try {
      await api.logout();
    } catch {
      clearSession();
    }
    location.reload();
  });
}

let redirecting = false;
onUnauthorized(() => {
  if (redirecting) return;
  redirecting = true;
  clearSession();
  sessionStorage.setItem(NOTICE_KEY, t('err.session'));
  location.reload();
});

applyTitle();
onLangChange(applyTitle);

const user = getToken() ? getStoredUser() : null;
if (user) showConsole(user);
else showLogin();
