// The dashboard's error: what the CLI prints as one line and exit 2 (a port in use, a storage it cannot read, a
// --host or --allowed-host that names nothing it can use).

import { SeqtuneError } from '../errors.js';

export class DashboardError extends SeqtuneError {}
