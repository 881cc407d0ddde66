// The hyperparameter form of a method: one field per key with the model's default filled in. Only values
// that differ from the default are sent, typed as the method declares them.
import { byId, el } from './dom.js';
import { FieldError } from './fields.js';

function shown(value) {
  if (value === null || value === undefined) {
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function choices(type) {
  if (type === 'boolean') {
    return ['true', 'false'];
  }
  const enumeration = /^enum\[(.*)\]$/.exec(type);
  return enumeration ? enumeration[1].split('|') : null;
}

function field(group, h) {
  const id = fieldId(group, h.name);
  const value = shown(h.defaultValue);
  const options = choices(h.type);
  const attributes = { id, 'data-key': h.name, 'data-type': h.type, 'data-default': value,
    'aria-describedby': id + '-hint ' + id + '-error' };
  const control = options
    ? el('select', attributes, options.map(o => el('option', { value: o, selected: o === value }, o)))
    : el('input', { ...attributes, type: 'text', value, spellcheck: 'false' });
  return el('div', { class: 'hparam' },
    el('label', { for: id }, h.name),
    control,
    el('p', { class: 'hint', id: id + '-hint' }, h.type + (value === '' ? ', no default' : ', default ' + value)),
    el('p', { class: 'field-error', id: id + '-error', 'aria-live': 'polite' }));
}

/** Returns the id of the field for key in group ("own" for the method, "base" for a decorated method). */
export function fieldId(group, key) {
  return 'hp-' + group + '-' + key;
}

/** Returns a fieldset with a field per hyperparameter of method (a MethodView), titled by legend. */
export function hparamFields(group, method, legend) {
  return el('fieldset', { id: 'hp-' + group, 'data-group': group },
    el('legend', {}, legend),
    method.hyperparameters.length === 0 ? el('p', { class: 'hint' }, 'No hyperparameters.') : null,
    method.hyperparameters.map(h => field(group, h)));
}

function parse(input) {
  const type = input.dataset.type;
  const text = input.value.trim();
  const fail = what => new FieldError(input.id, input.dataset.key + ' must be ' + what + ', got "' + text + '"');
  if (type === 'int' || type === 'long') {
    if (!/^-?\d+$/.test(text)) {
      throw fail('a whole number');
    }
    return Number(text);
  }
  if (type === 'double' || type === 'float') {
    const value = Number(text);
    if (text === '' || !Number.isFinite(value)) {
      throw fail('a number');
    }
    return value;
  }
  if (type === 'boolean') {
    return text === 'true';
  }
  if (type.startsWith('list')) {
    try {
      const value = JSON.parse(text);
      if (Array.isArray(value)) {
        return value;
      }
    } catch {
      // reported below
    }
    throw fail('a JSON list such as [1, 2]');
  }
  return input.value;
}

/** Returns the values of group's fields that differ from their defaults; throws a FieldError for one unreadable. */
export function changedValues(group) {
  const out = {};
  const box = byId('hp-' + group);
  if (!box) {
    return out;
  }
  for (const input of box.querySelectorAll('[data-key]')) {
    if (input.value.trim() !== input.dataset.default.trim() && input.value.trim() !== '') {
      out[input.dataset.key] = parse(input);
    }
  }
  return out;
}

/** Returns the field id a host message about hyperparameters concerns, or null: a quoted key, else a layer. */
export function fieldForMessage(message) {
  const keys = [...document.querySelectorAll('#edit-hparams [data-key]')];
  const base = /\bbase\.([a-z0-9_]+)/i.exec(message);
  if (base) {
    const hit = keys.find(k => k.dataset.key === base[1] && k.closest('[data-group="base"]'));
    if (hit) {
      return hit.id;
    }
  }
  for (const quoted of message.matchAll(/"([a-z0-9_]+)"/gi)) {
    const hit = keys.find(k => k.dataset.key === quoted[1]);
    if (hit) {
      return hit.id;
    }
  }
  if (/\blayers?\b/i.test(message)) {
    const hit = keys.find(k => k.dataset.key === 'layers' || k.dataset.key === 'layer');
    if (hit) {
      return hit.id;
    }
  }
  return null;
}
