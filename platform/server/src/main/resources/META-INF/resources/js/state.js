// What the pages share: the chosen model, the installed methods, and events between the pages.

/** The console's shared state. */
export const state = {
  model: null,
  models: [],
  methods: { editors: [], evaluators: [] },
};

/** Announces an event ("model", "methods", "changed", "plugins", "access") to the pages. */
export function emit(name, detail) {
  document.dispatchEvent(new CustomEvent('amend:' + name, { detail }));
}

/** Calls listener with the detail of every event of this name. */
export function on(name, listener) {
  document.addEventListener('amend:' + name, e => listener(e.detail));
}
