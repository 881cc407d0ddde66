// Try: generate with the chosen model. Also used by the Edit page's "test another prompt" box.
import { generate } from './api.js';
import { byId, el, fill } from './dom.js';
import { FieldError, clearErrors, placeError, showError } from './fields.js';
import { state } from './state.js';

/** Returns the field's value as an integer, or throws a FieldError naming the field. */
export function integerField(id, what) {
  const text = byId(id).value.trim();
  const value = Number(text);
  if (text === '' || !Number.isInteger(value)) {
    throw new FieldError(id, what + ' must be a whole number, got "' + text + '"');
  }
  return value;
}

/** Returns the field's value as a finite number, or throws a FieldError naming the field. */
export function numberField(id, what) {
  const text = byId(id).value.trim();
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) {
    throw new FieldError(id, what + ' must be a number, got "' + text + '"');
  }
  return value;
}

/** Returns the answer as shown: the prompt, then the continuation, and a line on tokens and time. */
export function answerView(prompt, answer, seconds) {
  return [
    el('p', { class: 'answer' }, el('span', { class: 'prompt-part' }, prompt), el('strong', {}, answer.text)),
    el('p', { class: 'hint' }, answer.generatedIds.length + ' new token(s) in ' + seconds.toFixed(2) + ' s'),
  ];
}

const RULES = [
  [/maxNewTokens/i, 'try-max'],
  [/temperature/i, 'try-temperature'],
  [/topK/i, 'try-topk'],
  [/seed/i, 'try-seed'],
  [/prompt/i, 'try-prompt'],
];

async function submit(event) {
  event.preventDefault();
  clearErrors('try-form');
  const button = byId('try-submit');
  try {
    const body = {
      prompt: byId('try-prompt').value,
      maxNewTokens: integerField('try-max', 'New tokens'),
      temperature: numberField('try-temperature', 'Temperature'),
      topK: integerField('try-topk', 'Top k'),
      seed: integerField('try-seed', 'Seed'),
    };
    button.disabled = true;
    fill('try-output', el('p', { role: 'status' }, 'Generating…'));
    const started = performance.now();
    const answer = await generate(state.model, body);
    fill('try-output', answerView(body.prompt, answer, (performance.now() - started) / 1000));
  } catch (e) {
    fill('try-output');
    if (e instanceof FieldError) {
      showError(e.fieldId, e.message);
    } else {
      placeError(e, RULES, 'try-submit');
    }
  } finally {
    button.disabled = false;
  }
}

/** Wires the Try page. */
export function initTry() {
  byId('try-form').addEventListener('submit', submit);
}
