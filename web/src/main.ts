// The dashboard's pages, chosen by the location's hash: #/ studies, #/study/NAME, #/study/NAME/trial/N, #/runs
// (#/runs?q=TEXT&order=newest&offset=N: a page of the list), #/run/ID. Leaving a page stops its live updates. A
// study or trial page asked for before it is stored opens when it is.

import { onLive } from './api.js';
import { h } from './dom.js';
import { runPage, runsPage } from './pages/runs.js';
import { studiesPage } from './pages/studies.js';
import { studyPage } from './pages/study.js';
import { trialPage } from './pages/trial.js';
import './style.css';

const app = document.getElementById('app')!;
let leave: () => void = () => {};

async function route(): Promise<void> {
  leave();
  leave = () => {};
  // what follows a `?` is the page's own state (#/runs?offset=100); names in the path are encoded, a `?` too
  const [path = '', query = ''] = location.hash.replace(/^#\/?/, '').split(/\?(.*)/s);
  const parts = path.split('/').map(decodeURIComponent);
  app.replaceChildren(h('p', { class: 'muted' }, 'loading…'));
  try {
    if (parts[0] === 'study' && parts[1] !== undefined && parts[2] === 'trial')
      leave = await trialPage(app, parts[1], Number(parts[3]));
    else if (parts[0] === 'study' && parts[1] !== undefined) leave = await studyPage(app, parts[1]);
    else if (parts[0] === 'runs') leave = await runsPage(app, new URLSearchParams(query));
    else if (parts[0] === 'run' && parts[1] !== undefined) leave = await runPage(app, parts.slice(1).join('/'));
    else leave = await studiesPage(app);
    document.body.dataset.page = parts[0] || 'studies';
  } catch (e) {
    app.replaceChildren(h('p', { class: 'error' }, (e as Error).message));
    // a study (or trial) not there yet: its page opens when the storage has it
    if (parts[0] === 'study' && parts[1] !== undefined) {
      app.append(h('p', { class: 'muted', id: 'waiting' }, 'waiting for it: this page opens when it is stored'));
      leave = onLive((ev) => {
        if ((ev.type === 'study-created' || ev.type === 'trial-created') && ev.study === parts[1]) void route();
      });
    }
  }
}

window.addEventListener('hashchange', () => void route());
// every page listens: the indicator says whether the live updates come, whatever the page
onLive(() => {});
void route();
