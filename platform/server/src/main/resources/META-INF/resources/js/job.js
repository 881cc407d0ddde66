// Follows an edit job through the job stream (GET /api/v1/jobs/{id}/events) and shows its progress.
import { ApiError, events, getJson, request } from './api.js';
import { byId } from './dom.js';

const TERMINAL = ['succeeded', 'failed', 'cancelled'];

function show(job) {
  const stage = job.stage ? ', ' + job.stage : '';
  const count = job.total > 0 ? ' ' + job.done + ' of ' + job.total : '';
  byId('edit-progress-text').textContent = 'Job ' + job.id + ': ' + job.state + stage + count;
  const bar = byId('edit-progress-bar');
  if (job.total > 0) {
    bar.max = job.total;
    bar.value = job.done;
  } else {
    bar.removeAttribute('value');
  }
  byId('edit-cancel').hidden = TERMINAL.includes(job.state);
}

async function poll(id) {
  for (;;) {
    const job = await getJson('/api/v1/jobs/' + encodeURIComponent(id));
    show(job);
    if (TERMINAL.includes(job.state)) {
      return job;
    }
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
}

/** Returns the job's last state once it ends, showing each state the stream sends on the way. */
export async function follow(job) {
  byId('edit-progress').hidden = false;
  show(job);
  const cancel = byId('edit-cancel');
  cancel.onclick = async () => {
    cancel.disabled = true;
    try {
      await request('POST', '/api/v1/jobs/' + encodeURIComponent(job.id) + '/cancel');
    } catch (e) {
      byId('edit-progress-text').textContent = 'Cancelling failed: ' + e.message;
    }
  };
  let last = job;
  try {
    await events('/api/v1/jobs/' + encodeURIComponent(job.id) + '/events', state => {
      last = state;
      show(state);
    });
  } catch (e) {
    if (!(e instanceof ApiError) && !(e instanceof TypeError)) {
      throw e;
    }
    // the stream broke off (a proxy, a network hiccup): fall back to polling below
  }
  return TERMINAL.includes(last.state) ? last : poll(job.id);
}
