// Starts the console: routing between the sections, the model selector, and the first loads.
import { ApiError, getJson, session } from './api.js';
import { applyAccess, initAuth } from './auth.js';
import { byId } from './dom.js';
import { initEdit } from './edit.js';
import { showError } from './fields.js';
import { initHistory } from './history.js';
import { loadModels } from './models.js';
import { initPlugins } from './plugins.js';
import { emit, on, state } from './state.js';
import { initTry } from './try.js';

const SECTIONS = ['models', 'try', 'edit', 'history', 'plugins', 'pictures'];

function route(focus) {
  const wanted = location.hash.slice(1);
  const current = SECTIONS.includes(wanted) ? wanted : SECTIONS[0];
  for (const id of SECTIONS) {
    byId(id).hidden = id !== current;
  }
  document.querySelectorAll('nav a').forEach(a => {
    if (a.getAttribute('href') === '#' + current) {
      a.setAttribute('aria-current', 'page');
    } else {
      a.removeAttribute('aria-current');
    }
  });
  if (focus) {
    byId(current + '-title').focus();
  }
  emit('section', current);
}

/** Reloads the methods installed for the chosen model and announces them. */
export async function loadMethods() {
  if (!state.model) {
    return;
  }
  state.methods = await getJson('/api/v1/methods?model=' + encodeURIComponent(state.model));
  emit('methods', state.methods);
}

async function loadAll() {
  const banner = byId('reads-banner');
  try {
    await loadModels();
    banner.hidden = true;
    await loadMethods();
    emit('model', state.model);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      banner.textContent = 'This host protects reads: enter its token at the top of the page to see its models. ('
        + e.message + ')';
      banner.hidden = false;
    } else {
      showError('models', e.message);
    }
  }
}

async function start() {
  window.addEventListener('hashchange', () => route(true));
  route(false);
  initTry();
  initEdit();
  initHistory();
  initPlugins();
  byId('model-select').addEventListener('change', async event => {
    state.model = event.target.value;
    await loadMethods();
    emit('model', state.model);
  });
  on('token', loadAll);
  on('changed', () => loadModels().catch(e => showError('models', e.message)));
  on('plugins', () => loadMethods().catch(e => showError('models', e.message)));
  await initAuth();
  await loadAll();
  applyAccess();
  if (session.token() === null && !byId('reads-banner').hidden) {
    byId('token').focus();
  }
  performance.mark('console-ready');
  document.documentElement.dataset.ready = 'true';
}

start();
