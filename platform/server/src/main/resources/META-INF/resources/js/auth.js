// The token: asked for once, kept in this tab's sessionStorage, checked against the host. Controls marked
// data-mutates are disabled, with the reason shown, until the host accepts the token.
import { ApiError, request, session } from './api.js';
import { byId } from './dom.js';
import { clearErrors, showError } from './fields.js';
import { emit, on } from './state.js';

/** What the page may do: allowed is true when the host accepted the token for changes. */
export const access = { allowed: false, reason: 'Checking the host…' };

const NO_TOKEN = 'Disabled: enter the host\'s token at the top of the page to make changes.';

/** Applies the access state to every control marked data-mutates and to the reason texts beside them. */
export function applyAccess() {
  document.querySelectorAll('[data-mutates]').forEach(control => { control.disabled = !access.allowed; });
  document.querySelectorAll('.access-reason').forEach(p => { p.textContent = access.allowed ? '' : access.reason; });
}

function setAccess(allowed, reason, status) {
  access.allowed = allowed;
  access.reason = reason;
  byId('token-status').textContent = status;
  applyAccess();
  emit('access', access);
}

/**
 * Asks the host whether changes are allowed with the tab's token: an empty job body passes the token check
 * first, so 400 means the token is right, 401 that it is missing or wrong, 403 that the host has no token.
 */
export async function checkAccess() {
  const token = session.token();
  try {
    await request('POST', '/api/v1/jobs', { json: {} });
    setAccess(true, '', 'Token accepted for changes (kept for this tab only).');
  } catch (e) {
    if (!(e instanceof ApiError)) {
      throw e;
    }
    if (e.status === 400) {
      setAccess(true, '', 'Token accepted for changes (kept for this tab only).');
    } else if (e.status === 403) {
      setAccess(false, 'Disabled: this host has no token configured, so it refuses every change (start it with'
        + ' AMEND_AUTH_TOKEN=<secret>).', 'The host refuses changes: it has no token configured.');
    } else if (e.status === 401 && token) {
      setAccess(false, 'Disabled: the host refused the token; enter the right one at the top of the page.',
        'Token refused.');
      showError('token', e.message);
    } else if (e.status === 401) {
      setAccess(false, NO_TOKEN, 'No token: you can read and generate, not change.');
    } else {
      setAccess(false, 'Disabled: the host could not be asked (' + e.message + ').', 'Host not reachable.');
    }
  }
}

/** Wires the token form; returns when the first access check is done. */
export async function initAuth() {
  byId('token-form').addEventListener('submit', async event => {
    event.preventDefault();
    clearErrors('token-form');
    const token = byId('token').value.trim();
    if (!token) {
      showError('token', 'Enter the token the host was started with (AMEND_AUTH_TOKEN).');
      return;
    }
    session.remember(token);
    byId('token').value = '';
    await checkAccess();
    emit('token', access);
  });
  byId('token-forget').addEventListener('click', async () => {
    session.forget();
    clearErrors('token-form');
    await checkAccess();
    emit('token', access);
  });
  on('denied', ({ status }) => {
    if (status === 401 && access.allowed) {
      checkAccess();
    }
  });
  await checkAccess();
}
