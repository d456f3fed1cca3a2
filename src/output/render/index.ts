// Every protocol renderer, in stack order (bottom first). The text formatter shows the summary
// of the highest layer present and walks this list for -V, -v and JSON.
import { arpRenderer } from './arp.js';
import { ethernetRenderer } from './ethernet.js';
import { icmpRenderer } from './icmp.js';
import { icmp6Renderer } from './icmp6.js';
import { igmpRenderer } from './igmp.js';
import { ipv4Renderer } from './ipv4.js';
import { ipv6Renderer } from './ipv6.js';
import { mldRenderer } from './mld.js';
import { probeRenderer } from './probe.js';
import type { ProtocolRenderer } from './protocol.js';
import { sllRenderer } from './sll.js';
import { tcpRenderer } from './tcp.js';
import { udpRenderer } from './udp.js';

export const RENDERERS: readonly ProtocolRenderer[] = [
  ethernetRenderer,
  sllRenderer,
  arpRenderer,
  ipv4Renderer,
  ipv6Renderer,
  icmpRenderer,
  icmp6Renderer,
  mldRenderer,
  igmpRenderer,
  udpRenderer,
  tcpRenderer,
  probeRenderer,
];
