// The decoded packet: one reused structure filled layer by layer (gopacket's DecodingLayerParser
// idea). Decoders write numbers and byte offsets into the frame, never copies or strings, so a
// decode allocates nothing unless the packet has a problem worth a note. Text, -V, -v and JSON
// are all renderings of this one structure; no protocol is parsed twice.
//
// Offsets are absolute indexes into `bytes`. Every layer has `present` (decoded at least its fixed
// header) and `short` (the captured bytes ended inside it). A layer that is not present holds
// stale values from an earlier packet: always test `present` first.

/** Maximum VLAN tags we keep per frame (802.1ad QinQ stacks deeper than this are noted). */
export const MAX_VLAN_TAGS = 4;
/** Maximum IGMPv3/MLDv2 records or sources whose positions we keep per packet. */
export const MAX_RECORDS = 256;

export class EthLayer {
  present = false;
  short = false;
  /** Offset of the destination MAC (source MAC at dstOff + 6). */
  dstOff = 0;
  srcOff = 0;
  /** Ethertype of the payload after tags, or the 802.3 length when `llc` is true. */
  type = 0;
  /** True for an 802.3 frame (type field <= 1500) with an LLC header. */
  llc = false;
  dsap = 0;
  ssap = 0;
  llcCtrl = 0;
  /** SNAP OUI and protocol when dsap = ssap = 0xaa. */
  snapOui = 0;
  /** SNAP protocol (an ethertype when the OUI is 0): added so the payload type survives for rendering. */
  snapType = 0;
  vlanCount = 0;
  vlanTpid = new Uint16Array(MAX_VLAN_TAGS);
  vlanTci = new Uint16Array(MAX_VLAN_TAGS);
  /** Offset where the network layer starts. */
  payloadOff = 0;
}

/** Linux cooked capture (SLL / SLL2) header fields. */
export class SllLayer {
  present = false;
  short = false;
  version: 1 | 2 = 1;
  pktType = 0;
  hatype = 0;
  addrLen = 0;
  addrOff = 0;
  protocol = 0;
  ifIndex = 0;
  payloadOff = 0;
}

export class ArpLayer {
  present = false;
  short = false;
  off = 0;
  htype = 0;
  ptype = 0;
  hlen = 0;
  plen = 0;
  op = 0;
  shaOff = 0;
  spaOff = 0;
  thaOff = 0;
  tpaOff = 0;
  /** True when ptype is IPv4 with hlen 6 / plen 4: spa/tpa below are filled. */
  ipv4 = false;
  spa = 0;
  tpa = 0;
  /** RARP ethertype (0x8035) rather than ARP. */
  reverse = false;
}

export class Ipv4Layer {
  present = false;
  short = false;
  off = 0;
  headerLen = 0;
  tos = 0;
  totalLen = 0;
  id = 0;
  /** The 3 flag bits (DF = 2, MF = 1). */
  flags = 0;
  /** Fragment offset in bytes. */
  fragOffset = 0;
  ttl = 0;
  proto = 0;
  checksum = 0;
  /** null when the header was not fully captured. */
  checksumOk: boolean | null = null;
  src = 0;
  dst = 0;
  /** Router Alert option present. */
  routerAlert = false;
  /** Offset of the transport payload and its length as the IP header claims (clipped later). */
  payloadOff = 0;
  payloadLen = 0;
}

export const MAX_EXT_HEADERS = 8;

export class Ipv6Layer {
  present = false;
  short = false;
  off = 0;
  trafficClass = 0;
  flowLabel = 0;
  /** Payload length field of the fixed header. */
  payloadLen = 0;
  /** Next header in the fixed header. */
  nextHeader = 0;
  hopLimit = 0;
  srcOff = 0;
  dstOff = 0;
  /** Extension headers walked, in order. */
  extCount = 0;
  extType = new Uint8Array(MAX_EXT_HEADERS);
  extOff = new Uint32Array(MAX_EXT_HEADERS);
  extLen = new Uint16Array(MAX_EXT_HEADERS);
  /** Upper-layer protocol after the extension headers (59 = none). */
  upperProto = 0;
  routerAlert = false;
  /** Router Alert value (0 MLD, 1 RSVP, 2 Active Networks): added so -v can name it without re-parsing. */
  routerAlertValue = 0;
  /** Hop-by-hop padding used: 0 none, 1 Pad1 bytes, 2 PadN (a sender fingerprint). */
  hbhPadding = 0;
  fragment = false;
  fragOffset = 0;
  fragMore = false;
  fragId = 0;
  /** Offset of the upper-layer header after the extension headers. */
  payloadOff = 0;
}

export class IcmpLayer {
  present = false;
  short = false;
  off = 0;
  len = 0;
  type = 0;
  code = 0;
  checksum = 0;
  checksumOk: boolean | null = null;
  /** Echo id/seq (also timestamp/info/mask requests). */
  id = 0;
  seq = 0;
  /** Redirect gateway (v4) or next-hop MTU (unreachable/too big). */
  gateway = 0;
  mtu = 0;
  /** Pointer for parameter problem. */
  pointer = 0;
  /** Offset of a quoted IP header inside an error message, 0 when none. */
  quotedOff = 0;
  /** Offset of the echo data / message body after the 8-byte header. */
  dataOff = 0;
}

/** ICMPv6 fields beyond the common ICMP ones: Neighbor Discovery. */
export class Icmp6Layer extends IcmpLayer {
  /** ND target address offset (NS/NA/redirect), 0 when none. */
  targetOff = 0;
  /** Redirect destination offset. */
  redirectDstOff = 0;
  /** NA flags R/S/O as bits 0x80/0x40/0x20; RA flags M/O. */
  ndFlags = 0;
  raHopLimit = 0;
  raLifetime = 0;
  raReachable = 0;
  raRetrans = 0;
  /** Offset and length of the ND options area. */
  optOff = 0;
  optLen = 0;
}

/** Group-membership message fields shared by IGMP and MLD. */
export class MembershipLayer {
  present = false;
  short = false;
  off = 0;
  len = 0;
  /** Protocol version inferred from type and length (1, 2, 3 for IGMP; 1, 2 for MLD). */
  version = 0;
  /** The length does not fit any version (IGMP query of 9-11 bytes, header under 8): added so renderers can say "Malformed". */
  malformed = false;
  type = 0;
  code = 0;
  checksum = 0;
  checksumOk: boolean | null = null;
  /** Group address: u32 for IGMP; offset of 16 bytes for MLD (see groupOff). */
  group = 0;
  groupOff = 0;
  /** Maximum response time decoded, in milliseconds. */
  maxRespMs = 0;
  /** Query S flag, QRV and QQI (seconds, decoded). */
  suppress = false;
  qrv = 0;
  qqi = 0;
  /** Query sources: count and offset of the first. */
  sourceCount = 0;
  sourcesOff = 0;
  /** Report records. */
  recordCount = 0;
  recordType = new Uint8Array(MAX_RECORDS);
  recordGroupOff = new Uint32Array(MAX_RECORDS);
  recordSourceCount = new Uint16Array(MAX_RECORDS);
  recordSourcesOff = new Uint32Array(MAX_RECORDS);
}

/** IGMP type values carry the version (0x11 query, 0x12 v1 report, 0x16 v2 report, 0x17 leave, 0x22 v3 report). */
export class IgmpLayer extends MembershipLayer {}

/** MLD (inside ICMPv6: 130 query, 131 v1 report, 132 done, 143 v2 report). */
export class MldLayer extends MembershipLayer {}

export class UdpLayer {
  present = false;
  short = false;
  off = 0;
  srcPort = 0;
  dstPort = 0;
  length = 0;
  checksum = 0;
  checksumOk: boolean | null = null;
  payloadOff = 0;
}

export class TcpLayer {
  present = false;
  short = false;
  off = 0;
  srcPort = 0;
  dstPort = 0;
  seq = 0;
  ack = 0;
  headerLen = 0;
  flags = 0;
  window = 0;
  checksum = 0;
  checksumOk: boolean | null = null;
  urgent = 0;
  optOff = 0;
  optLen = 0;
  payloadLen = 0;
}

export const ProbeKind = { UNI: 0x1234, MULTI: 0x5678, RTT: 0x9abc } as const;

/** An in.mpathd probe payload found in an ICMP/ICMPv6 echo request or reply. */
export class ProbeLayer {
  present = false;
  /** ProbeKind value (the mtype magic). */
  kind = 0;
  /** 'ms32' (16-byte pre-Clearview) or 'ns64' (20/24-byte Clearview). */
  format: 'ms32' | 'ns64' = 'ms32';
  /** Payload size in bytes: 16, 20 or 24. */
  size = 0;
  reply = false;
  /** Timestamp: ms since boot (ms32) or ns since boot as a bigint-free pair (ns64). */
  tsMs = 0;
  tsHi = 0;
  tsLo = 0;
}

/** Bits of Packet.layers, in stack order; `topLayer` is the highest bit set. */
export const L = {
  ETH: 1 << 0,
  SLL: 1 << 1,
  ARP: 1 << 2,
  IP: 1 << 3,
  IP6: 1 << 4,
  ICMP: 1 << 5,
  ICMP6: 1 << 6,
  IGMP: 1 << 7,
  MLD: 1 << 8,
  UDP: 1 << 9,
  TCP: 1 << 10,
  PROBE: 1 << 11,
} as const;

export class Packet {
  // --- the frame this decode describes (valid only while its batch is) ---
  bytes: Uint8Array = new Uint8Array(0);
  /** Offset of the first byte of the frame. */
  start = 0;
  /** Offset one past the last captured byte: no read may reach it. */
  end = 0;
  wireLen = 0;
  linkType = 0;
  linkIndex = 0;
  tsSec = 0;
  tsNsec = 0;
  direction = 0;
  pktType = 255;
  drops = 0;
  /** 1-based packet number in the source (before filtering). */
  number = 0;

  // --- layers ---
  layers = 0;
  eth = new EthLayer();
  sll = new SllLayer();
  arp = new ArpLayer();
  ip = new Ipv4Layer();
  ip6 = new Ipv6Layer();
  icmp = new IcmpLayer();
  icmp6 = new Icmp6Layer();
  igmp = new IgmpLayer();
  mld = new MldLayer();
  udp = new UdpLayer();
  tcp = new TcpLayer();
  probe = new ProbeLayer();
  /** Number of IP-in-IP encapsulations seen (snoop's "(N encap)"). */
  encap = 0;
  /** Problems found: "short packet", "bad IP checksum", ... Reset per packet. */
  notes: string[] = [];

  // --- decoding options (kept across frames) ---
  /**
   * Verify the IPv4 header, ICMP, ICMPv6, UDP and TCP checksums. Callers turn it off when nothing
   * will read the verdicts: summary and -V lines show none, and the sums are a tenth of decoding
   * a probe. IGMP and MLD checksums are verified whatever this says, since the ilm observer
   * reports bad ones on the summary line. Off, the verdicts stay null (not verified).
   */
  checksums = true;

  get capLen(): number {
    return this.end - this.start;
  }

  has(layer: number): boolean {
    return (this.layers & layer) !== 0;
  }

  /** Prepare for a new frame; clears only the presence flags that decoders test. */
  reset(bytes: Uint8Array, start: number, capLen: number): void {
    this.bytes = bytes;
    this.start = start;
    this.end = start + capLen;
    this.layers = 0;
    this.encap = 0;
    this.eth.present = this.eth.short = false;
    this.sll.present = this.sll.short = false;
    this.arp.present = this.arp.short = false;
    this.ip.present = this.ip.short = false;
    this.ip6.present = this.ip6.short = false;
    this.icmp.present = this.icmp.short = false;
    this.icmp6.present = this.icmp6.short = false;
    this.igmp.present = this.igmp.short = false;
    this.mld.present = this.mld.short = false;
    this.udp.present = this.udp.short = false;
    this.tcp.present = this.tcp.short = false;
    this.probe.present = false;
    if (this.notes.length) this.notes.length = 0;
  }
}
