// Frames and batches: the one currency between capture sources and everything downstream.
//
// A FrameBatch is struct-of-arrays over one backing buffer (a ring block, a file chunk), so a
// batch of thousands of frames costs a handful of typed arrays that the source reuses, never an
// object per packet. Consumers must finish with a batch before asking for the next one: the
// source may hand the memory back to the kernel or overwrite it. Anything kept longer (TUI store,
// writers) copies the bytes it needs, in bulk.

/** LINKTYPE_* values (pcap-linktype), which are also what we store in pcap/pcapng files. */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/** Packet direction relative to the capturing host (pcapng epb_flags bits 0-1 use the same values). */
export const Direction = { UNKNOWN: 0, IN: 1, OUT: 2 } as const;

/** Link-level reception type, as Linux sll_pkttype reports it. */
export const PacketType = {
  HOST: 0,
  BROADCAST: 1,
  MULTICAST: 2,
  OTHERHOST: 3,
  OUTGOING: 4,
} as const;

/** One link (interface) a source delivers frames from. */
export interface LinkDesc {
  /** Interface name (`if_name` in pcapng, `-d` name live); files without names use `link0`... */
  name: string;
  linkType: number;
  snaplen: number;
  ifIndex?: number;
  /** Hardware address, when known (live links). */
  mac?: Uint8Array;
}

/** Running totals for one link: what the kernel (or file) says it saw and dropped. */
export interface LinkStats {
  received: number;
  dropped: number;
}

export interface FrameBatch {
  /** Backing memory every frame's `offset` points into. */
  bytes: Uint8Array;
  /**
   * Native address of `bytes[0]` when that memory lies outside the JS heap and stays put while the
   * batch is current (a mapped ring block): writers may then hand frames to the kernel in place
   * instead of copying them. 0 otherwise. Addresses fit a double exactly (below 2^53).
   */
  address: number;
  /**
   * Bytes before every frame that consumers may overwrite while the batch is current (0 for files):
   * a writer puts a record header there and sends header and frame as one piece (pcap-writer.ts).
   */
  headroom: number;
  /** Number of valid entries in the arrays below (the arrays may be longer). */
  count: number;
  offset: Uint32Array;
  capLen: Uint32Array;
  wireLen: Uint32Array;
  /** Timestamp seconds since the epoch (float64 holds any realistic value exactly). */
  tsSec: Float64Array;
  /** Nanoseconds within the second. */
  tsNsec: Uint32Array;
  /** Index into the source's `links`. */
  link: Uint16Array;
  /** Direction.* */
  direction: Uint8Array;
  /** PacketType.* or 255 when unknown. */
  pktType: Uint8Array;
  /** Cumulative drop count carried per record (snoop files, -D), else 0. */
  drops: Uint32Array;
}

/** Allocate a batch whose arrays hold `capacity` frames. Sources allocate once and reuse. */
export function allocBatch(capacity: number): FrameBatch {
  return {
    bytes: new Uint8Array(0),
    address: 0,
    headroom: 0,
    count: 0,
    offset: new Uint32Array(capacity),
    capLen: new Uint32Array(capacity),
    wireLen: new Uint32Array(capacity),
    tsSec: new Float64Array(capacity),
    tsNsec: new Uint32Array(capacity),
    link: new Uint16Array(capacity),
    direction: new Uint8Array(capacity),
    pktType: new Uint8Array(capacity).fill(255),
    drops: new Uint32Array(capacity),
  };
}

/**
 * A capture source: a file reader or live links. `links` may grow while reading (a pcapng file
 * can describe new interfaces mid-stream) but never shrinks or reorders.
 */
export interface CaptureSource {
  readonly links: LinkDesc[];
  /** Human description for banners and the TUI status bar, e.g. `file foo.pcap` or `link eth0`. */
  readonly description: string;
  /**
   * Batches in time order (per link). Errors that end the source (a corrupt file) are thrown
   * only after every good frame before the damage has been yielded.
   */
  batches(): AsyncIterable<FrameBatch>;
  stats(): LinkStats[];
  close(): Promise<void>;
}
