import type { ProbeObservation } from '../../src/annotate/ipmp/recognise.js';

export const MAC_A = '00:10:18:aa:00:01';
export const MAC_B = '00:10:18:aa:00:02';
export const ID_A = 0xd202;
export const ID_B = 0xd203;

/** A probe request at `ms` milliseconds after the epoch. */
export function req(ms: number, seq: number, dst: string, o: Partial<ProbeObservation> = {}): ProbeObservation {
  return {
    tsSec: 1_000 + Math.floor(ms / 1000),
    tsNsec: Math.round((ms % 1000) * 1e6),
    family: 4,
    srcMac: MAC_A,
    dstMac: '00:00:5e:00:01:01',
    src: '192.0.2.10',
    dst,
    ttl: 1,
    reply: false,
    id: ID_A,
    seq,
    kind: 'UNI',
    format: 'ms32',
    size: 16,
    outgoing: false,
    ...(Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<ProbeObservation>),
  };
}

/** A reply from `from` to the test address (`o.dst`, default 192.0.2.10), at `ms`. */
export function rep(ms: number, seq: number, from: string, o: Partial<ProbeObservation> = {}): ProbeObservation {
  return req(ms, seq, '192.0.2.10', { srcMac: '00:00:5e:00:01:01', dstMac: MAC_A, ttl: 255, ...o, reply: true, src: from, dst: o.dst ?? '192.0.2.10' });
}

/** Probe interval used by the scenarios: the default FDT's 1428 ms. */
export const PI = 1428;
