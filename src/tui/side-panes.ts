// Text of the side pane's tabs. The IPMP and ilm tables are the observers' own ipmpstat-shaped
// renderings (passed in by index.ts); the links tab is drawn here from the source and LinkRates.
import type { LinkDesc, LinkStats } from '../capture/frame.js';
import { LinkType } from '../capture/frame.js';
import type { LinkRates } from './link-rates.js';
import type { SideTab } from './view-model.js';

/** Producers of the observer tables, each returning the table as text. */
export interface SideTables {
  targets?: () => string;
  probes?: () => string;
  ilm?: () => string;
}

export const SIDE_TITLES: Record<SideTab, string> = { targets: 'IPMP targets', probes: 'Probes', ilm: 'ilm', links: 'Links' };

const LINK_TYPE_NAMES: Record<number, string> = {
  [LinkType.NULL]: 'null',
  [LinkType.ETHERNET]: 'ethernet',
  [LinkType.RAW]: 'raw IP',
  [LinkType.LOOP]: 'loopback',
  [LinkType.LINUX_SLL]: 'cooked',
  [LinkType.IPV4]: 'IPv4',
  [LinkType.IPV6]: 'IPv6',
  [LinkType.LINUX_SLL2]: 'cooked v2',
};

export interface LinksInfo {
  links: readonly LinkDesc[];
  stats: readonly LinkStats[];
  rates: LinkRates;
  /** 'on' / 'off (multicast only)' for live links, undefined for files. */
  promisc?: string;
}

export function linksLines(info: LinksInfo, width: number): string[] {
  const out: string[] = [];
  info.links.forEach((link, i) => {
    const type = LINK_TYPE_NAMES[link.linkType] ?? `linktype ${link.linkType}`;
    out.push(`${link.name}  ${type}${info.promisc ? `  promisc ${info.promisc}` : ''}`);
    const stats = info.stats[i];
    out.push(`  rate ${info.rates.rate(i).toFixed(1)} pkt/s  captured ${info.rates.capturedOn(i)}`);
    if (stats) out.push(`  kernel: received ${stats.received}  dropped ${stats.dropped}`);
    out.push('  ' + info.rates.sparkline(i, Math.max(1, width - 4)));
    out.push('');
  });
  if (!out.length) out.push('no links yet');
  return out;
}

export function sideLines(tab: SideTab, tables: SideTables, links: LinksInfo, width: number): string[] {
  if (tab === 'links') return linksLines(links, width);
  const render = tables[tab];
  if (!render) return [`no ${SIDE_TITLES[tab]} observer in this session`];
  const text = render().replace(/\n$/, '');
  return text ? text.split('\n') : ['(nothing observed yet)'];
}
