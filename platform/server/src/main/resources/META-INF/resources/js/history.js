// History: the model's ledger as a table; roll back (warning first when later edits were fitted on top),
// export the selected edits as a patch, import a patch.
import { download, getJson, request } from './api.js';
import { applyAccess } from './auth.js';
import { byId, el, fill, filled, formatNumber, formatTime, table } from './dom.js';
import { clearErrors, showError } from './fields.js';
import { emit, on, state } from './state.js';

let entries = [];
let pending = null;

const edits = () => '/api/v1/models/' + encodeURIComponent(state.model);

function requestText(e) {
  return e.requests.map(r => filled(r.prompt, r.subject) + ' → ' + r.target).join('\n');
}

function scoresText(e) {
  return e.scores.map(s => s.metric + ' ' + formatNumber(s.value) + ' (' + s.protocol + ')').join('\n');
}

function author(e) {
  const who = e.info && (e.info.author || e.info.token_name);
  return who ? String(who) : el('span', { class: 'muted' }, 'not recorded');
}

function row(e) {
  return [
    { node: el('input', { type: 'checkbox', class: 'pick', value: e.id, 'aria-label': 'Select edit ' + e.id }) },
    el('code', {}, e.id),
    e.method + ' ' + e.methodVersion,
    { node: requestText(e), class: 'pre' },
    formatTime(e.recordedAt),
    { node: author(e) },
    { node: scoresText(e), class: 'pre' },
    { node: [
      el('button', { type: 'button', 'data-mutates': true, 'aria-describedby': 'history-access',
        'aria-label': 'Roll back edit ' + e.id, onclick: () => askRollback([e.id]) }, 'Roll back'),
      el('button', { type: 'button', class: 'secondary', 'aria-label': 'Download edit ' + e.id + ' as a patch',
        onclick: () => exportPatch([e.id]) }, 'Patch'),
    ] },
  ];
}

/** Loads the chosen model's ledger into the table. */
export async function loadHistory() {
  if (!state.model) {
    return;
  }
  try {
    entries = await getJson(edits() + '/edits');
    fill('history-table', entries.length === 0 ? el('p', { class: 'hint' }, 'No edits: the model is as loaded.')
      : table('Edits of ' + state.model + ', oldest first. The host has one token and records no author.',
        ['Select', 'Id', 'Method', 'Request', 'Recorded', 'Author', 'Scores', 'Actions'], entries.map(row)));
    applyAccess();
  } catch (e) {
    fill('history-table');
    showError('history-export', e.message);
  }
}

function askRollback(ids) {
  clearErrors('history');
  const first = entries.findIndex(e => ids.includes(e.id));
  const later = entries.slice(first + 1).filter(e => !ids.includes(e.id)).map(e => e.id);
  if (later.length === 0) {
    return rollback(ids);
  }
  pending = ids;
  byId('history-confirm-text').textContent = 'Edit(s) ' + ids.join(', ') + ': ' + later.length
    + ' later edit(s) (' + later.join(', ') + ') were fitted on a model that contained it. They stay as they were'
    + ' fitted, so their effect may differ after the rollback; re-run them if they must be exact.';
  byId('history-confirm').hidden = false;
  byId('history-confirm-yes').focus();
  return null;
}

async function rollback(ids) {
  byId('history-confirm').hidden = true;
  const status = byId('history-status');
  status.className = 'status';
  status.textContent = 'Rolling back ' + ids.join(', ') + '…';
  try {
    const path = ids.length === 1 ? edits() + '/edits/' + encodeURIComponent(ids[0])
      : edits() + '/edits?ids=' + ids.map(encodeURIComponent).join(',');
    const answer = await (await request('DELETE', path)).json();
    status.className = answer.warning ? 'status warning' : 'status';
    status.textContent = 'Rolled back ' + answer.rolledBack.join(', ') + ': ' + answer.note;
    emit('changed', null);
  } catch (e) {
    status.textContent = '';
    showError('history-export', e.message);
  }
}

function selected() {
  return [...document.querySelectorAll('#history-table input.pick:checked')].map(i => i.value);
}

async function exportPatch(ids) {
  clearErrors('history');
  if (ids.length === 0) {
    showError('history-export', 'Select at least one edit to export.');
    return;
  }
  try {
    const name = await download(edits() + (ids.length === 1 ? '/edits/' + encodeURIComponent(ids[0]) + '/patch'
      : '/patch?ids=' + ids.map(encodeURIComponent).join(',')), state.model + '.amendpatch');
    byId('history-status').textContent = 'Saved ' + ids.length + ' edit(s) as ' + name + '.';
  } catch (e) {
    showError('history-export', e.message);
  }
}

async function importPatch(event) {
  event.preventDefault();
  clearErrors('import-form');
  const file = byId('import-file').files[0];
  if (!file) {
    showError('import-file', 'Choose a patch file first.');
    return;
  }
  try {
    const response = await request('POST', edits() + '/patches', { bytes: await file.arrayBuffer() });
    const added = await response.json();
    byId('history-status').className = 'status';
    const skipped = response.headers.get('Amend-Message');
    byId('history-status').textContent = 'Imported ' + added.length + ' edit(s)'
      + (added.length ? ': ' + added.map(e => e.id).join(', ') : '') + (skipped ? '. ' + skipped : '');
    byId('import-file').value = '';
    emit('changed', null);
  } catch (e) {
    showError('import-file', e.message);
  }
}

/** Wires the History page. */
export function initHistory() {
  byId('history-confirm-yes').addEventListener('click', () => rollback(pending));
  byId('history-confirm-no').addEventListener('click', () => {
    byId('history-confirm').hidden = true;
    pending = null;
  });
  byId('history-export').addEventListener('click', () => exportPatch(selected()));
  byId('history-rollback-selected').addEventListener('click', () => {
    const ids = selected();
    if (ids.length === 0) {
      showError('history-export', 'Select at least one edit to roll back.');
    } else {
      askRollback(ids);
    }
  });
  byId('import-form').addEventListener('submit', importPatch);
  on('model', loadHistory);
  on('changed', loadHistory);
}
