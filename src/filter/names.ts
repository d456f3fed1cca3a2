// Names for the filter and the display: only the `-n` file and /etc/hosts, never DNS (a capture
// tool that blocks on a resolver drops packets). A file may mix hosts lines (`addr name aliases`)
// and ethers lines (`mac name`), so `ether host NAME` and `gateway NAME` work from the same table.
import { readFileSync } from 'node:fs';
import { ipv6String, parseIpv4, parseIpv6 } from '../decode/addr.js';

export const SYSTEM_HOSTS = '/etc/hosts';
const SYSTEM_SERVICES = '/etc/services';

export interface HostAddresses {
  v4: number[];
  v6: Uint8Array[];
}

export class HostTable {
  private readonly byName = new Map<string, HostAddresses>();
  private readonly macs = new Map<string, Uint8Array>();
  private readonly v4Names = new Map<number, string>();
  private readonly v6Names = new Map<string, string>();

  /** Record one hosts-file line's worth: the first name seen for an address is its display name. */
  addHost(address: string, names: readonly string[]): boolean {
    const v4 = parseIpv4(address);
    const v6 = v4 === null ? parseIpv6(address) : null;
    if (v4 === null && v6 === null) return false;
    for (const name of names) {
      const key = name.toLowerCase();
      let entry = this.byName.get(key);
      if (!entry) this.byName.set(key, (entry = { v4: [], v6: [] }));
      if (v4 !== null && !entry.v4.includes(v4)) entry.v4.push(v4);
      if (v6 !== null && !entry.v6.some((a) => a.every((x, i) => x === v6[i]))) entry.v6.push(v6);
    }
    if (names.length) {
      if (v4 !== null && !this.v4Names.has(v4)) this.v4Names.set(v4, names[0]);
      if (v6 !== null) {
        const text = ipv6String(v6, 0);
        if (!this.v6Names.has(text)) this.v6Names.set(text, names[0]);
      }
    }
    return true;
  }

  addEther(mac: Uint8Array, name: string): void {
    this.macs.set(name.toLowerCase(), mac);
  }

  addressesOf(name: string): HostAddresses | undefined {
    return this.byName.get(name.toLowerCase());
  }

  macOf(name: string): Uint8Array | undefined {
    return this.macs.get(name.toLowerCase());
  }

  nameOfIpv4(addr: number): string | undefined {
    return this.v4Names.get(addr >>> 0);
  }

  /** Name for an IPv6 address given in RFC 5952 text. */
  nameOfIpv6(text: string): string | undefined {
    return this.v6Names.get(text);
  }
}

const MAC_TEXT = /^([0-9a-fA-F]{1,2}[:-]){5}[0-9a-fA-F]{1,2}$/;

export function parseHostsText(table: HostTable, text: string): void {
  for (const raw of text.split('\n')) {
    const fields = raw.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (fields.length < 2) continue;
    if (MAC_TEXT.test(fields[0])) table.addEther(Uint8Array.from(fields[0].split(/[:-]/).map((h) => parseInt(h, 16))), fields[1]);
    else table.addHost(fields[0], fields.slice(1));
  }
}

/**
 * Load hosts files in order (earlier files win for display names). A missing /etc/hosts is
 * ignored; any other unreadable file (the user's `-n file`) throws the fs error.
 */
export function loadHostsFile(paths: string | readonly string[]): HostTable {
  const table = new HostTable();
  for (const path of typeof paths === 'string' ? [paths] : paths) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if (path === SYSTEM_HOSTS && (err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    parseHostsText(table, text);
  }
  return table;
}

let services: Map<string, number> | null = null;

/** TCP/UDP port for an /etc/services name, or undefined. */
export function servicePort(name: string): number | undefined {
  if (!services) {
    services = new Map();
    let text = '';
    try {
      text = readFileSync(SYSTEM_SERVICES, 'utf8');
    } catch {
      // No services database: only numeric ports work.
    }
    for (const line of text.split('\n')) {
      const fields = line.replace(/#.*/, '').trim().split(/\s+/);
      const m = /^(\d+)\/(tcp|udp)$/.exec(fields[1] ?? '');
      if (!m) continue;
      for (const n of [fields[0], ...fields.slice(2)]) if (n && !services.has(n)) services.set(n, Number(m[1]));
    }
  }
  return services.get(name);
}
