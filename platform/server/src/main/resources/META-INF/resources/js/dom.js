// Small DOM helpers: every text from the host goes in as text, never as HTML.

/** Returns the element with this id. */
export function byId(id) {
  return document.getElementById(id);
}

/** Returns a new element with the given attributes (on* keys become listeners) and children (strings become text). */
export function el(tag, attributes = {}, ...children) {
  const e = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (key.startsWith('on')) {
      e.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      e.className = value;
    } else {
      e.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(e, children);
  return e;
}

function append(parent, children) {
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) {
      parent.append(child instanceof Node ? child : String(child));
    }
  }
}

/** Returns a table with a caption, header cells and rows (each row an array of cells: text, a Node or {node, class}). */
export function table(caption, headers, rows) {
  const head = el('tr', {}, headers.map(h => el('th', { scope: 'col' }, h)));
  const body = rows.map(row => el('tr', {}, row.map(cell => cell && cell.node !== undefined
    ? el('td', { class: cell.class }, cell.node) : el('td', {}, cell))));
  return el('table', {}, el('caption', {}, caption), el('thead', {}, head), el('tbody', {}, body));
}

/** Replaces the children of the element with this id. */
export function fill(id, ...children) {
  const e = byId(id);
  e.replaceChildren();
  append(e, children);
  return e;
}

/** Returns a number formatted for a table: integers grouped, others with four significant digits. */
export function formatNumber(value) {
  if (typeof value !== 'number') {
    return String(value);
  }
  return Number.isInteger(value) ? value.toLocaleString('en') : value.toPrecision(4);
}

/** Returns a prompt with its {} placeholder replaced by the subject. */
export function filled(prompt, subject) {
  return prompt.includes('{}') ? prompt.replace('{}', subject) : prompt;
}

/** Returns an ISO instant as a date and time in UTC, e.g. "06/12/2026, 02:25:20 UTC". */
export function formatTime(iso) {
  return new Date(iso).toLocaleString('en-GB', { timeZone: 'UTC', timeZoneName: 'short' });
}
