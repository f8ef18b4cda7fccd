// dashboard/: `seqtune dashboard`, a read-only web app over the study storage and run folders (API, live events,
// the built front end in dist/web). Only the CLI imports it.

export type { FeedEvent } from './feed.js';
export type { Dashboard, DashboardOptions } from './serve.js';
export { DashboardError, isLoopback, startDashboard } from './serve.js';
