// The host's REST API (/api/v1) as the console calls it. The token lives in sessionStorage only (this tab,
// until it closes) and travels in the Authorization header, never in a URL.
import { emit } from './state.js';

const TOKEN_KEY = 'amend.token';

/** The token of this tab's session. */
export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  remember: token => sessionStorage.setItem(TOKEN_KEY, token),
  forget: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** An answer other than 2xx: the HTTP status, the API's error code and its message. */
export class ApiError extends Error {
  /** Creates the error. */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function failure(response) {
  let code = 'http_' + response.status;
  let message = 'the host answered ' + response.status + (response.statusText ? ' ' + response.statusText : '');
  try {
    const body = await response.json();
    if (body && typeof body.message === 'string') {
      code = typeof body.error === 'string' ? body.error : code;
      message = body.message;
    }
  } catch {
    // not a JSON error body: the status says it
  }
  if (response.status === 401 || response.status === 403) {
    emit('denied', { status: response.status, message });
  }
  return new ApiError(response.status, code, message);
}

/** Returns the response to method on path, or throws an ApiError; json or bytes become the body. */
export async function request(method, path, { json, bytes, accept = 'application/json', signal } = {}) {
  const headers = new Headers({ Accept: accept });
  const token = session.token();
  if (token) {
    headers.set('Authorization', 'Bearer ' + token);
  }
  const init = { method, headers, signal, cache: 'no-store' };
  if (json !== undefined) {
    headers.set('Content-Type', 'application/json');
    init.body = JSON.stringify(json);
  } else if (bytes !== undefined) {
    headers.set('Content-Type', 'application/octet-stream');
    init.body = bytes;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') {
      throw e;
    }
    throw new ApiError(0, 'unreachable', 'the host cannot be reached: ' + e.message);
  }
  if (!response.ok) {
    throw await failure(response);
  }
  return response;
}

/** Returns the JSON answer to GET path. */
export async function getJson(path) {
  return (await request('GET', path)).json();
}

/** Returns the JSON answer to method on path with a JSON body. */
export async function sendJson(method, path, json) {
  return (await request(method, path, { json })).json();
}

/** Returns the continuation of body.prompt by model. */
export function generate(model, body) {
  return sendJson('POST', '/api/v1/models/' + encodeURIComponent(model) + '/generate', body);
}

/** Saves the file at path (fetched with the token) under the name the host gives, else fallbackName. */
export async function download(path, fallbackName) {
  const response = await request('GET', path, { accept: 'application/octet-stream' });
  const disposition = response.headers.get('Content-Disposition') || '';
  const named = /filename="([^"]+)"/.exec(disposition);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = named ? named[1] : fallbackName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return link.download;
}

/**
 * Reads the server-sent events at path until the stream ends, calling onEvent with each event's JSON data.
 * Uses fetch rather than EventSource, which cannot send the Authorization header a host with protected
 * reads asks for.
 */
export async function events(path, onEvent, signal) {
  const response = await request('GET', path, { accept: 'text/event-stream', signal });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      return;
    }
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split('\n').filter(line => line.startsWith('data:'))
        .map(line => line.slice(5).replace(/^ /, '')).join('\n');
      if (data) {
        onEvent(JSON.parse(data));
      }
    }
  }
}
