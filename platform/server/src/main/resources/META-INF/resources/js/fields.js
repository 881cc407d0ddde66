// Errors shown next to the field they concern: field "x" has its message in the element "x-error".
import { byId } from './dom.js';

/** Clears the messages and invalid marks inside the element with this id. */
export function clearErrors(containerId) {
  const container = byId(containerId);
  container.querySelectorAll('.field-error').forEach(p => { p.textContent = ''; });
  container.querySelectorAll('[aria-invalid]').forEach(f => f.removeAttribute('aria-invalid'));
}

/** Shows message next to the field with this id and marks the field invalid. */
export function showError(fieldId, message) {
  const target = byId(fieldId + '-error');
  target.textContent = message;
  const field = byId(fieldId);
  if (field && field.matches('input, select, textarea')) {
    field.setAttribute('aria-invalid', 'true');
  }
}

/**
 * Shows an error next to the field its message concerns: the first [pattern, fieldId] rule matching the
 * message names the field, else fallbackId. Returns the field's id.
 */
export function placeError(error, rules, fallbackId) {
  const message = String(error.message || error);
  const rule = rules.find(([pattern, id]) => pattern.test(message) && byId(id + '-error'));
  const id = rule ? rule[1] : fallbackId;
  showError(id, message);
  return id;
}

/** A value the page itself refuses before sending, with the field it concerns. */
export class FieldError extends Error {
  /** Creates the error for the field with this id. */
  constructor(fieldId, message) {
    super(message);
    this.fieldId = fieldId;
  }
}
