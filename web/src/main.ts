// The dashboard's pages, chosen by the location's hash: #/ studies, #/study/NAME, #/study/NAME/trial/N, #/runs
// (#/runs?q=TEXT&order=newest&offset=N: a page of the list), #/run/ID. Leaving a page stops its live updates. A
// study or trial page asked for before it is stored opens when it is.

import { ApiError, health, onLive } from './api.js';
import { h } from './dom.js';
import { runPage, runsPage } from './pages/runs.js';
import { studiesPage } from './pages/studies.js';
import { studyPage } from './pages/study.js';
import { trialPage } from './pages/trial.js';
import './style.css';

const app = document.getElementById('app')!;
let leave: () => void = () => {};
/**
 * Whether the page shown could not be read (an answer other than 404), and `storage` once the storage could not be
 * read after that: the page is read again when it can.
 */
let failed: false | 'page' | 'storage' = false;

async function route(): Promise<void> {
  leave();
  leave = () => {};
  failed = false;
  // what follows a `?` is the page's own state (#/runs?offset=100); names in the path are encoded, a `?` too
  const [path = '', query = ''] = location.hash.replace(/^#\/?/, '').split(/\?(.*)/s);
  // a % that begins no character (#/run/%, typed or cut short) threw here, and the page before stayed on screen
  const decoded = path.split('/').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return null;
    }
  });
  // Each page draws into an element of its own. A page still loading when another is asked for (back, then forward
  // at once) drew over the later one when its answer came last, and its updates never stopped: it draws into an
  // element no longer shown, and stops when it is ready.
  document.title = pageTitle(decoded);
  const root = h('div', {}, h('p', { class: 'muted' }, 'loading…'));
  app.replaceChildren(root);
  let stop: () => void = () => {};
  if (decoded.includes(null)) return badAddress(root, 'a % must begin a %XX');
  const parts = decoded as string[];
  // a trial's number, or null: `abc` was asked for as trial NaN (and waited for, for ever), an empty one as trial 0
  const trial = parts[0] === 'study' && parts[2] === 'trial' ? trialNumber(parts[3]) : undefined;
  if (trial === null) return badAddress(root, 'a trial is a number: 0, 1, ...');
  // `#/study/` asked for the study '' and waited for it to be stored, for ever; `#/run/` for the run ''
  if ((parts[0] === 'study' || parts[0] === 'run') && parts[1] === '')
    return badAddress(root, `#/${parts[0]}/ names no ${parts[0]}`);
  try {
    if (parts[0] === 'study' && parts[1] !== undefined && trial !== undefined)
      stop = await trialPage(root, parts[1], trial);
    else if (parts[0] === 'study' && parts[1] !== undefined) stop = await studyPage(root, parts[1]);
    else if (parts[0] === 'runs') stop = await runsPage(root, new URLSearchParams(query));
    else if (parts[0] === 'run' && parts[1] !== undefined) stop = await runPage(root, parts.slice(1).join('/'));
    else stop = await studiesPage(root);
    if (root.isConnected) document.body.dataset.page = parts[0] || 'studies';
  } catch (e) {
    root.replaceChildren(h('p', { class: 'error' }, (e as Error).message));
    // not read: when the storage cannot be read now, the page is read again once it can (checkHealth)
    if (!(e instanceof ApiError) || e.status !== 404) {
      if (root.isConnected) failed = 'page';
      void checkHealth();
    }
    // a study (or trial) not there yet: its page opens when the storage has it
    else if (parts[0] === 'study' && parts[1] !== undefined) {
      root.append(h('p', { class: 'muted', id: 'waiting' }, 'waiting for it: this page opens when it is stored'));
      stop = onLive((ev) => {
        if (ev.type === 'resync' || (ev.type === 'study-created' && ev.study === parts[1])) void route();
        // a trial page waits for its own trial: it was asked for again at every trial of its study
        else if (ev.type === 'trial-created' && ev.study === parts[1] && (trial === undefined || ev.number === trial))
          void route();
      });
    }
  }
  if (root.isConnected) leave = stop;
  else stop();
}

/**
 * The window's title: what the page shows, then the dashboard (`my-study · seqtune`, `#12 my-study · seqtune`); every
 * page was 'seqtune dashboard', so two tabs on two studies, and the entries of Back's list, read the same.
 */
function pageTitle(parts: (string | null)[]): string {
  if (parts.includes(null)) return 'seqtune';
  const [page, name, trial, n] = parts;
  const what =
    page === 'study' && name && trial === 'trial'
      ? `#${n} ${name}`
      : page === 'study' && name
        ? name
        : page === 'run' && name
          ? parts.slice(1).join('/')
          : page === 'runs'
            ? 'runs'
            : 'studies';
  return `${what} · seqtune`;
}

/** The page says that its address names no page, and why. */
function badAddress(root: HTMLElement, why: string): void {
  root.replaceChildren(h('p', { class: 'error', id: 'bad-address' }, `${location.hash}: not a page address (${why})`));
}

/** The trial number an address names (`#/study/NAME/trial/N`), or null when it names none. */
function trialNumber(text: string | undefined): number | null {
  return text !== undefined && /^(0|[1-9][0-9]*)$/.test(text) ? Number(text) : null;
}

/** How often every page asks whether the storage can be read (the note above it says why not while it cannot). */
const HEALTH_MS = 5000;

/**
 * The note above every page while the storage cannot be read (a SQLite file removed, or one that cannot be read in its
 * place): what the pages show then is what was read before. The page said nothing of it; only /api/health did.
 */
async function checkHealth(): Promise<void> {
  const note = document.getElementById('storage-error');
  if (!note) return;
  const error = await health().then(
    (x) => x.error,
    (e: Error) => `the dashboard does not answer (${e.message})`,
  );
  note.textContent = error ? `storage: ${error}` : '';
  note.hidden = !error;
  // a page opened while the storage could not be read showed its error after the storage came back, until a reload
  if (error && failed) failed = 'storage';
  else if (!error && failed === 'storage') void route();
}

window.addEventListener('hashchange', () => void route());
// every page listens: the indicator says whether the live updates come, whatever the page; the stream connected
// again (hello after a cut) is a moment to ask about the storage too
onLive((e) => {
  if (e.type === 'resync') void checkHealth();
});
void route();
void checkHealth();
setInterval(() => void checkHealth(), HEALTH_MS);
