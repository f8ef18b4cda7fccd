// Which Host headers the dashboard answers (a defence against DNS rebinding: a web page whose own name the attacker
// points at this machine reaches the dashboard with the attacker's name as its Host, and is refused). The pages have
// no login, so the check holds wherever the dashboard listens, 127.0.0.1 or 0.0.0.0 alike.
//
// Accepted, as Vite's server.allowedHosts does: any IP address (a page at http://192.168.1.5:8080/ is that address's
// own origin; rebinding needs a name, so an address in the Host header is never a rebinding page's), localhost and
// the names under .localhost (browsers resolve them to loopback themselves), the --host name, this machine's name
// (os.hostname(), and its first label: the names its owner's network gives it, as Jupyter's local_hostnames), and
// each --allowed-host (a name that starts with a dot: that name and every name under it). The machine's own
// addresses alone (os.networkInterfaces) would refuse the address a Docker port mapping, a NAT or an SSH tunnel
// shows the browser, and an address the machine got after the dashboard started, for no safety gained.

import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { DashboardError } from './errors.js';

/** One --allowed-host: a host name, an address, or `.name` for the name and the names under it. */
const NAME = /^\.?[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;

/** An --allowed-host as the check compares it (lower case, no trailing dot); a value that names no host throws. */
export function allowedHost(value: string): string {
  const v = value.trim().toLowerCase().replace(/\.$/, '');
  if (isIP(v.replace(/^\[(.*)\]$/, '$1'))) return v.replace(/^\[(.*)\]$/, '$1');
  if (!NAME.test(v))
    throw new DashboardError(
      `--allowed-host ${JSON.stringify(value)}: expected a host name such as dash.example.com, or .example.com for ` +
        'it and every name under it (no scheme, port, path or wildcard)',
    );
  if (v.startsWith('.') && !v.slice(1).includes('.'))
    throw new DashboardError(
      `--allowed-host ${value}: would accept every name under .${v.slice(1)}, which anyone may register; ` +
        'name your own domain (.example.com)',
    );
  return v;
}

/** The names the dashboard answers to besides IP addresses and localhost: --host's, this machine's, --allowed-host. */
export function hostNames(bound: string, allowed: readonly string[]): string[] {
  const own = hostname().toLowerCase();
  const names = [bound.toLowerCase(), own, own.split('.')[0]!, ...allowed.map(allowedHost)];
  return [...new Set(names.filter((n) => n && !isIP(n.replace(/^\[(.*)\]$/, '$1')) && n !== 'localhost'))];
}

/** The host a Host header names: no port, no brackets around an IPv6 address, lower case, no trailing dot. */
export function hostOf(header: string): string {
  const h = header.trim().toLowerCase();
  const name = h.startsWith('[') ? h.slice(1).replace(/\](:\d*)?$/, '') : h.replace(/:\d*$/, '');
  return name.replace(/\.$/, '');
}

/** Whether a request whose Host header is `header` is answered. */
export function acceptsHost(header: string, names: readonly string[]): boolean {
  const host = hostOf(header);
  if (!host) return false;
  if (isIP(host) || host === 'localhost' || host.endsWith('.localhost')) return true;
  return names.some((n) => (n.startsWith('.') ? host === n.slice(1) || host.endsWith(n) : host === n));
}
