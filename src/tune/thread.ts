// Starting a worker thread from a module of this package lives in train/threads (training threads use it too).
export { siblingModule, startThread } from '../train/threads/start.js';
