// Edit: pick a method (plugins included, decorator+method composed), write the fact, adjust the
// hyperparameters, follow the job, then compare the answers before and after and probe other prompts.
import { ApiError, generate, sendJson } from './api.js';
import { applyAccess } from './auth.js';
import { byId, el, fill, filled, formatNumber, table } from './dom.js';
import { FieldError, clearErrors, placeError, showError } from './fields.js';
import { changedValues, fieldForMessage, hparamFields } from './hparams.js';
import { follow } from './job.js';
import { emit, on, state } from './state.js';
import { answerView, integerField } from './try.js';

/** Returns the methods that decorate another one: their description names the form NAME+METHOD. */
function decorators(editors) {
  return editors.filter(e => (e.description || '').includes(e.name + '+'));
}

function fillMethods({ editors, evaluators }) {
  const select = byId('edit-method');
  const keep = select.value;
  const wrappers = decorators(editors);
  const plain = editors.filter(e => !wrappers.includes(e));
  const label = e => e.name + ' ' + e.version + (e.origin === 'classpath' ? '' : ' (' + e.origin + ')');
  select.replaceChildren(
    el('optgroup', { label: 'Methods' }, plain.map(e => el('option', { value: e.name }, label(e)))),
    ...wrappers.map(d => el('optgroup', { label: 'Decorated by ' + d.name },
      plain.map(e => el('option', { value: d.name + '+' + e.name }, d.name + '+' + e.name)))));
  select.value = [...select.options].some(o => o.value === keep) ? keep
    : ([...select.options].some(o => o.value === 'rome') ? 'rome' : select.options[0]?.value);
  fill('edit-evaluator-list', evaluators.map(v => el('label', {},
    el('input', { type: 'checkbox', value: v.name, name: 'evaluator' }),
    ' ' + v.name + ' ', el('span', { class: 'muted' }, '(' + v.protocol + ')'))));
  methodChosen();
}

function methodChosen() {
  const name = byId('edit-method').value || '';
  const [first, second] = name.split('+');
  const find = n => state.methods.editors.find(e => e.name === n);
  const own = find(first);
  const base = second ? find(second) : null;
  byId('edit-method-hint').textContent = [own, base].filter(Boolean).map(m => m.description).join(' — ');
  byId('edit-target-label').textContent = base ? 'Long target (any length: an answer, a proof, code, a poem)'
    : 'Target (the new answer)';
  byId('edit-target').rows = base ? 6 : 1;
  fill('edit-hparams',
    own ? hparamFields('own', own, own.name + ' ' + own.version) : null,
    base ? hparamFields('base', base, 'base method ' + base.name + ' ' + base.version + ' (sent as "base")') : null);
}

function body() {
  const method = byId('edit-method').value;
  const hparams = changedValues('own');
  const base = changedValues('base');
  if (Object.keys(base).length > 0) {
    hparams.base = base;
  }
  const paraphrases = byId('edit-paraphrases').value.split('\n').map(s => s.trim()).filter(Boolean);
  const evaluators = [...document.querySelectorAll('#edit-evaluator-list input:checked')].map(i => i.value);
  return {
    model: state.model,
    method,
    requests: [{ prompt: byId('edit-prompt').value, subject: byId('edit-subject').value,
      target: byId('edit-target').value, paraphrases }],
    hparams,
    evaluators: evaluators.length > 0 ? evaluators : undefined,
    seed: integerField('edit-seed', 'Seed'),
  };
}

const RULES = [
  [/^requests\[\d+\]\.prompt/, 'edit-prompt'],
  [/^requests\[\d+\]\.subject/, 'edit-subject'],
  [/^requests\[\d+\]\.target/, 'edit-target'],
  [/^requests\[\d+\]\.paraphrases/, 'edit-paraphrases'],
  [/^model:|unknown model|no model/i, 'model-select'],
  [/^method:|unknown method|decorates another method/i, 'edit-method'],
  [/hparams|hyperparameter/i, 'edit-hparams'],
  [/evaluator/i, 'edit-evaluators'],
  [/subject/i, 'edit-subject'],
  [/target/i, 'edit-target'],
  [/paraphrase/i, 'edit-paraphrases'],
  [/prompt/i, 'edit-prompt'],
  [/^seed/i, 'edit-seed'],
];

function showEditError(error) {
  const hparam = /hparams|hyperparameter/i.test(error.message) ? fieldForMessage(error.message) : null;
  const id = hparam || (error instanceof FieldError ? error.fieldId : null);
  if (id) {
    showError(id, error.message);
  } else {
    placeError(error, RULES, 'edit-submit');
  }
  const invalid = byId('edit-form').querySelector('[aria-invalid="true"]');
  if (invalid && invalid.closest('details')) {
    invalid.closest('details').open = true;
  }
}

function result(answer, request) {
  const rows = answer.before.map((before, i) => [filled(request.prompt, request.subject), before, answer.after[i]]);
  const scores = answer.scores.map(s => [s.metric, s.protocol, { node: formatNumber(s.value), class: 'num' },
    { node: String(s.count), class: 'num' }]);
  return [
    el('h3', {}, 'Edit ' + answer.id + ' applied'),
    table('Greedy answers of the model before and after the edit (target: "' + request.target + '").',
      ['Prompt', 'Before', 'After'], rows),
    table('Scores, each with the protocol that produced it.', ['Metric', 'Protocol', 'Value', 'Count'], scores),
    answer.ignoredHparams && answer.ignoredHparams.length > 0
      ? el('p', { class: 'status warning' }, 'Hyperparameters the method ignored: ' + answer.ignoredHparams.join(', '))
      : null,
  ];
}

async function submit(event) {
  event.preventDefault();
  clearErrors('edit-form');
  fill('edit-result');
  fill('probe-output');
  byId('probe-form').hidden = true;
  const button = byId('edit-submit');
  try {
    const order = body();
    button.disabled = true;
    const job = await sendJson('POST', '/api/v1/jobs', order);
    const end = await follow(job);
    if (end.state === 'succeeded') {
      fill('edit-result', result(end.result, order.requests[0]));
      byId('probe-form').hidden = false;
      byId('probe-prompt').value = filled(order.requests[0].prompt, order.requests[0].subject);
      emit('changed', end.result.id);
    } else if (end.state === 'failed') {
      showEditError(new ApiError(400, end.errorKind, end.error));
    } else {
      fill('edit-result', el('p', { class: 'status warning' }, 'Cancelled: ' + end.error));
    }
  } catch (e) {
    showEditError(e);
  } finally {
    applyAccess();
  }
}

async function probe(event) {
  event.preventDefault();
  clearErrors('probe-form');
  const prompt = byId('probe-prompt').value;
  try {
    const started = performance.now();
    const answer = await generate(state.model, { prompt, maxNewTokens: 8 });
    fill('probe-output', answerView(prompt, answer, (performance.now() - started) / 1000));
  } catch (e) {
    fill('probe-output');
    showError('probe-prompt', e.message);
  }
}

/** Wires the Edit page. */
export function initEdit() {
  byId('edit-method').addEventListener('change', methodChosen);
  byId('edit-form').addEventListener('submit', submit);
  byId('probe-form').addEventListener('submit', probe);
  on('methods', fillMethods);
}
