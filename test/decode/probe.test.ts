import { describe, expect, it } from 'vitest';
import { icmpEcho, icmp6Echo, probePayload } from '../../src/craft/frames.js';
import { L, ProbeKind } from '../../src/decode/packet.js';
import { concatBytes } from './l3-harness.js';
import { decodeL4, icmp6Frame, icmpFrame, renderL4 } from './l4-harness.js';

describe('in.mpathd probe recognition', () => {
  it('ms32 (16 bytes) over IPv4: padded to the Ethernet minimum, still recognised', () => {
    const frame = icmpFrame(icmpEcho({ id: 0xd202, seq: 17, data: probePayload({ kind: 'UNI', format: 'ms32', ts: 123456789n }) }), { ttl: 1 });
    expect(frame.length).toBe(60);
    const pkt = decodeL4(frame);
    expect(pkt.has(L.PROBE)).toBe(true);
    expect(pkt.probe).toMatchObject({ present: true, kind: ProbeKind.UNI, format: 'ms32', size: 16, reply: false, tsMs: 123456789 });
    const r = renderL4(pkt);
    expect(r.summary).toBe('ICMP Echo request (ID: 53762 Sequence number: 17) [mpathd UNI ms32]');
    expect(r.json.probe).toEqual({ kind: 'UNI', fmt: 'ms32', ts: '123456789' });
    expect(r.layers[3]).toBe('PROBE mpathd UNI ms32 request ts=123456789ms');
    expect(r.detail.slice(3)).toEqual([
      'PROBE:  Probe type = 0x1234 (UNI)',
      'PROBE:  Format = ms32 (16 bytes, pre-Clearview)',
      'PROBE:  Direction = echo request',
      'PROBE:  Timestamp = 123456789 ms since sender boot',
    ]);
  });

  it('ns64 of 20 and 24 bytes over IPv6, request and reply, every kind', () => {
    const ts = 0x0123456789abcdefn;
    for (const size of [20, 24] as const) {
      for (const kind of ['UNI', 'MULTI', 'RTT'] as const) {
        const pkt = decodeL4(icmp6Frame(icmp6Echo({ reply: true, id: 5, seq: 6, data: probePayload({ kind, format: 'ns64', ts, size }) }), { src: 'fe80::1', dst: 'fe80::2', hopLimit: 1 }));
        expect(pkt.probe).toMatchObject({ present: true, kind: ProbeKind[kind], format: 'ns64', size, reply: true });
        const r = renderL4(pkt);
        expect(r.summary).toBe(`ICMPv6 Echo reply (ID: 5 Sequence number: 6) [mpathd ${kind} ns64]`);
        expect(r.json.probe).toEqual({ kind, fmt: 'ns64', ts: ts.toString() });
        expect(pkt.probe.tsMs).toBe(Math.floor(Number(ts) / 1e6));
      }
    }
  });

  it('ordinary pings are not probes: other lengths, wrong magic, magic at the wrong offset, code not 0', () => {
    const payload16 = probePayload({ kind: 'UNI', format: 'ms32', ts: 1n });
    // The usual 56-byte ping data, even with the magic at offset 12.
    const long = new Uint8Array(56);
    long.set(payload16);
    expect(decodeL4(icmpFrame(icmpEcho({ id: 1, seq: 1, data: long }))).probe.present).toBe(false);
    // Right length, wrong magic.
    const wrong = Uint8Array.from(payload16);
    wrong[7] = 0x35;
    expect(decodeL4(icmpFrame(icmpEcho({ id: 1, seq: 1, data: wrong }))).probe.present).toBe(false);
    // A 24-byte message with the magic where a 16-byte one would have it (offset 12), not 16.
    const misplaced = concatBytes(payload16, new Uint8Array(8));
    expect(decodeL4(icmpFrame(icmpEcho({ id: 1, seq: 1, data: misplaced }))).probe.present).toBe(false);
    // An empty echo.
    expect(decodeL4(icmpFrame(icmpEcho({ id: 1, seq: 1 }))).probe.present).toBe(false);
    // Code not 0.
    const coded = icmpFrame(icmpEcho({ id: 1, seq: 1, data: payload16 }));
    coded[14 + 20 + 1] = 1;
    const pkt = decodeL4(coded);
    expect(pkt.probe.present).toBe(false);
    expect(pkt.has(L.PROBE)).toBe(false);
    expect(renderL4(pkt).summary).toBe('ICMP Echo request (ID: 1 Sequence number: 1)');
  });

  it('a probe whose magic was not captured is not claimed', () => {
    const frame = icmpFrame(icmpEcho({ id: 1, seq: 1, data: probePayload({ kind: 'RTT', format: 'ms32', ts: 5n }) }));
    expect(decodeL4(frame.subarray(0, 14 + 20 + 14)).probe.present).toBe(false);
    expect(decodeL4(frame.subarray(0, 14 + 20 + 16)).probe.present).toBe(true);
  });
});
