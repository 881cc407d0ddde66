// Plugins: the jars in the host's plugins directory (upload, remove) and every installed method and
// evaluator with its version and origin.
import { getJson, request } from './api.js';
import { applyAccess } from './auth.js';
import { byId, el, fill, formatNumber, formatTime, table } from './dom.js';
import { clearErrors, showError } from './fields.js';
import { emit, on } from './state.js';

function provided(p) {
  return [...p.editors.map(e => 'method ' + e.name + ' ' + e.version),
    ...p.evaluators.map(e => 'evaluator ' + e.name + ' ' + e.version)].join('\n');
}

function row(p, retired) {
  return [
    el('code', {}, p.file),
    p.status + (p.reason ? ': ' + p.reason : ''),
    { node: provided(p), class: 'pre' },
    p.loadedAt ? formatTime(p.loadedAt) : '',
    { node: formatNumber(p.size) + ' B', class: 'num' },
    el('code', { title: p.sha256 }, (p.sha256 || '').slice(0, 12)),
    { node: String(p.leases), class: 'num' },
    { node: retired ? el('span', { class: 'muted' }, 'retired: held by running edits')
      : el('button', { type: 'button', 'data-mutates': true, 'aria-describedby': 'plugins-access',
        'aria-label': 'Remove ' + p.file, onclick: () => remove(p.file) }, 'Remove') },
  ];
}

/** Loads the plugins directory's listing into the table. */
export async function loadPlugins() {
  try {
    const answer = await getJson('/api/v1/plugins');
    byId('plugins-dir').textContent = 'Jars in the host\'s plugins directory (' + answer.directory
      + '); a jar copied there is loaded within a second, as one uploaded here.';
    const rows = [...answer.plugins.map(p => row(p, false)), ...answer.retired.map(p => row(p, true))];
    fill('plugins-table', rows.length === 0 ? el('p', { class: 'hint' }, 'No plugin jars installed.')
      : table('Plugin jars: LOADED, or FAILED with the reason.',
        ['File', 'Status', 'Provides', 'Loaded', 'Size', 'SHA-256', 'Leases', 'Actions'], rows));
    applyAccess();
  } catch (e) {
    showError('plugin-file', e.message);
  }
}

function showMethods({ editors, evaluators }) {
  const rows = [
    ...editors.map(e => ['method', el('code', {}, e.name), e.version, e.origin, e.description]),
    ...evaluators.map(e => ['evaluator', el('code', {}, e.name), e.version, e.origin, 'protocol ' + e.protocol]),
  ];
  fill('methods-table', table('Installed methods and evaluators; origin classpath means built into the host.',
    ['Kind', 'Name', 'Version', 'Origin', 'What it does'], rows));
}

async function upload(event) {
  event.preventDefault();
  clearErrors('plugin-form');
  const file = byId('plugin-file').files[0];
  if (!file) {
    showError('plugin-file', 'Choose a jar file first.');
    return;
  }
  try {
    const response = await request('POST', '/api/v1/plugins?file=' + encodeURIComponent(file.name),
      { bytes: await file.arrayBuffer() });
    const jar = await response.json();
    byId('plugins-status').textContent = 'Installed ' + jar.file + ' (' + jar.status + '): ' + provided(jar)
      .replace(/\n/g, ', ');
    byId('plugin-file').value = '';
    emit('plugins', jar.file);
  } catch (e) {
    showError('plugin-file', e.message);
  }
}

async function remove(file) {
  clearErrors('plugin-form');
  try {
    await request('DELETE', '/api/v1/plugins/' + encodeURIComponent(file));
    byId('plugins-status').textContent = 'Removed ' + file + '; edits already running on it finish on it.';
    emit('plugins', file);
  } catch (e) {
    showError('plugin-file', e.message);
  }
}

/** Wires the Plugins page. */
export function initPlugins() {
  byId('plugin-form').addEventListener('submit', upload);
  on('methods', showMethods);
  on('plugins', loadPlugins);
  on('model', loadPlugins);
}
