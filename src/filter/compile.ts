// The filter compiler's public face: snoop expressions to a kernel classic-BPF program plus a
// user-level filter, split the way snoop splits (snoop-model.md §2.6).
//
// Where we depart from snoop, on purpose (also printed by --help via FILTER_HELP):
//  1. `port`, `srcport`, `dstport` match only TCP and UDP; snoop compares the two words after
//     any IP header, whatever the protocol.
//  2. `tcp`, `udp`, `icmp6`, `proto N` on IPv6 test the upper-layer protocol after walking the
//     extension headers (hop-by-hop, routing, fragment, destination options, AH, mobility), in
//     the kernel program as well; snoop looks only at the fixed header's next-header field.
//     `proto N` tests IPv4's protocol field or IPv6's upper-layer protocol, not byte 9 of any frame.
//  3. `net` takes CIDR prefixes (`net 192.0.2.0/24`) and IPv6 prefixes (`net 2001:db8::/32`);
//     without a prefix an IPv4 network keeps snoop's whole-octet mask.
//  4. `broadcast` tests all six destination bytes (snoop tests ether[2:4], bytes 2-5).
//  5. Ethernet addresses may start with a letter (`aa:0:0:0:0:1`); snoop reads those as names.
//  6. VLAN tags: on live links the kernel strips the outer 802.1Q/802.1ad tag, so `vlan`,
//     `vlan-id` and `ethertype 0x8100/0x88a8` use the Linux SKF_AD ancillary loads (tag, TPID);
//     inner tags of a stack stay in the bytes, as every tag does in files, and every
//     network-layer test looks past up to four tags. Live and file verdicts agree.
//  7. The kernel also runs `host`, `net`, `ether host`, `tcp`/`udp`/`icmp`/`icmp6`/`igmp`/`proto`,
//     `ethertype`, `ip`/`ip6`/`arp`/`rarp`, `vlan`, `vlan-id`, `broadcast`, `multicast`, and
//     parenthesised `or`s of them; everything else runs at user level.
//  8. Names come only from the `-n` file and /etc/hosts (ethers lines `mac name` allowed in the
//     same files); an unknown name is a syntax error at that word, never a DNS lookup.
// Our own primitives: igmp, mld, nd, probe, probe-multi, probe-rtt, target H, group G,
// inbound, outbound, link NAME.
import { Direction, PacketType } from '../capture/frame.js';
import type { Packet } from '../decode/packet.js';
import type { Node } from './ast.js';
import { generateBpf, kernelCapable, type BpfProgram } from './bpf.js';
import { packBpf, runBpf, type BpfAncillary } from './bpf-interp.js';
import { bpfListing } from './listing.js';
import type { HostTable } from './names.js';
import { parseFilter } from './parser.js';
import { compileUser, type UserFilter } from './user-vm.js';

export { FilterSyntaxError } from './errors.js';
export { BpfProgram } from './bpf.js';
export type { UserFilter } from './user-vm.js';

export interface CompileOptions {
  hosts?: HostTable;
  /** Names of the source's links, by index (pkt.linkIndex), for `link NAME`. */
  linkNames?: readonly string[];
  /** LinkType.* of the frames the filter will see. */
  linkType: number;
  /** Accept length the kernel program returns; 0 means everything (0x40000). */
  snaplen?: number;
  /** Live links: the kernel strips VLAN tags, so VLAN tests use SKF_AD loads. */
  live?: boolean;
  /** Run the whole expression at user level (-U, and the TUI's re-filtering). */
  userOnly?: boolean;
}

export interface CompiledFilter {
  expression: string;
  /** Classic BPF for the longest and-prefix the kernel can run; null if there is none. */
  kernel: BpfProgram | null;
  /** The rest of the expression; null when the kernel program covers it all. */
  user: UserFilter | null;
  /**
   * The verdict for a decoded packet. For files, the kernel part runs in our BPF interpreter and
   * then the user part. For live links the kernel has already run its part on the socket, so
   * only the user part runs here. Allocates nothing.
   */
  matches(pkt: Packet): boolean;
  /** -C output: the kernel program (tcpdump -d style), then the user program. */
  listing(): string;
}

export const FILTER_HELP = `
Filter expressions (snoop syntax):
  Terms side by side mean "and"; "," means "or"; "not" applies to the one term after it;
  & binds like *, | and ^ like +.  Numbers: decimal, 0octal, 0xhex.
  host H  between H1 H2  inet H  inet6 H  ether H  from|src ...  to|dst ...
  net N[/len]  srcnet N  dstnet N  port P  srcport P  dstport P
  ip  ip6  arp  rarp  ethertype N  vlan  vlan-id N
  tcp  udp  icmp  icmp6  igmp  proto N  broadcast  multicast
  greater N  less N  length  nofrag  gateway H  bootp  dhcp  dhcp6
  base[expr:size] with base ether|ip|ip6|udp|tcp|icmp, size 1|2|4; relations = != < <= > >=
  dlsnoop's own: mld  nd  probe  probe-multi  probe-rtt  target H  group G
                 inbound  outbound  link NAME
Differences from snoop:
  - port/srcport/dstport match TCP and UDP only.
  - IPv6 tcp/udp/icmp6/proto look past extension headers.
  - net takes CIDR (net 192.0.2.0/24) and IPv6 prefixes (net 2001:db8::/32).
  - broadcast tests the whole destination MAC.
  - vlan/vlan-id work on live Linux links (tags stripped by the NIC) and in files.
  - Host names come only from -n file and /etc/hosts; an unknown name is an error.
  Put kernel-capable terms first and keep "or" in parentheses so the kernel can drop
  unwanted packets early (see -C).
`;

/** The conjuncts of the top-level `and` chain, in order. */
function conjuncts(n: Node): Node[] {
  return n.kind === 'and' ? [...conjuncts(n.left), ...conjuncts(n.right)] : [n];
}

function joinAnd(parts: Node[]): Node | null {
  return parts.length ? parts.reduce((l, r) => ({ kind: 'and', left: l, right: r })) : null;
}

export function compileFilter(expression: string, opts: CompileOptions): CompiledFilter {
  const root = parseFilter(expression, { hosts: opts.hosts, linkNames: opts.linkNames, linkType: opts.linkType });
  const live = opts.live ?? false;
  const target = { linkType: opts.linkType, live, snaplen: opts.snaplen ?? 0 };

  // snoop's split: the kernel takes the longest run of leading and-terms it can compile.
  const parts = conjuncts(root);
  let k = 0;
  if (!opts.userOnly) while (k < parts.length && kernelCapable(parts[k], target)) k++;
  const kernelTree = joinAnd(parts.slice(0, k));
  const userTree = joinAnd(parts.slice(k));
  const kernel = kernelTree ? generateBpf(kernelTree, target) : null;
  const user = userTree ? compileUser(userTree, opts.linkType) : null;

  const packed = kernel && !live ? packBpf(kernel) : null;
  const anc: BpfAncillary = { pktType: 0, ifIndex: 0, protocol: 0, vlanPresent: 0, vlanTci: 0 };
  const matches = (pkt: Packet): boolean => {
    if (packed) {
      anc.pktType = pkt.pktType !== 255 ? pkt.pktType : pkt.direction === Direction.OUT ? PacketType.OUTGOING : PacketType.HOST;
      if (runBpf(packed, pkt.bytes, pkt.start, pkt.end, pkt.wireLen, anc) === 0) return false;
    }
    return user === null || user.test(pkt);
  };

  return {
    expression,
    kernel,
    user,
    matches,
    listing: () => {
      const out: string[] = [];
      out.push(kernel ? `Kernel Filter:\n${bpfListing(kernel)}` : 'Kernel Filter: none');
      out.push(user ? user.listing() : 'User filter: none');
      return out.join('\n');
    },
  };
}
