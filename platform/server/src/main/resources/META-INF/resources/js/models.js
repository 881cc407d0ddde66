// Models: the served models with architecture, size, dtype and the number of edits in their history.
import { getJson } from './api.js';
import { byId, el, fill, formatNumber, table } from './dom.js';
import { state } from './state.js';

function row(m) {
  const edited = m.weightsHash !== m.baseHash;
  return [
    el('strong', {}, m.name),
    m.family + ' · ' + m.layers + ' layers · hidden ' + m.hiddenSize + ' · MLP ' + m.intermediateSize
      + ' · vocabulary ' + formatNumber(m.vocabSize) + ' · context ' + m.maxContext,
    { node: formatNumber(m.parameters), class: 'num' },
    m.dtype,
    { node: el('span', { class: 'muted' }, 'not reported'), class: '' },
    { node: String(m.edits), class: 'num' },
    edited ? 'edited (' + m.weightsHash.slice(0, 12) + ')' : 'as loaded (' + m.baseHash.slice(0, 12) + ')',
  ];
}

/** Loads the served models with their descriptions into the table and the model selector; returns them. */
export async function loadModels() {
  const list = await getJson('/api/v1/models');
  const described = await Promise.all(list.map(m => getJson('/api/v1/models/' + encodeURIComponent(m.name))));
  state.models = described;
  fill('models-table', table('Served models. The API does not report the device (the host\'s amend.device setting).',
    ['Model', 'Architecture', 'Parameters', 'dtype', 'Device', 'Edits', 'Weights'], described.map(row)));
  const select = byId('model-select');
  const keep = state.model;
  select.replaceChildren(...described.map(m => el('option', { value: m.name }, m.name + ' (' + m.family + ')')));
  state.model = described.some(m => m.name === keep) ? keep : (described[0] ? described[0].name : null);
  if (state.model) {
    select.value = state.model;
  }
  return described;
}
