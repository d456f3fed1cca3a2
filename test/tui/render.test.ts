import { describe, expect, it } from 'vitest';
import { corpus } from '../../src/craft/corpus.js';
import { L, Packet } from '../../src/decode/packet.js';
import { hexDumpLines, verboseLines } from '../../src/output/text.js';
import { NO_NAMES } from '../../src/output/render/context.js';
import { hexHighlight, layerOfLine, layerRange } from '../../src/tui/hex-map.js';
import { contentHeight, layoutFor } from '../../src/tui/layout.js';
import { LinkRates } from '../../src/tui/link-rates.js';
import { columnsFor, fit, headerText, rowText, timeText } from '../../src/tui/rows.js';
import { TuiPipeline } from '../../src/tui/pipeline.js';
import { LinkType } from '../../src/capture/frame.js';
import { batchOf } from './batch.js';

function decoded(label: string): Packet {
  const f = corpus().find((c) => c.label === label);
  if (!f) throw new Error(label);
  const links = [{ name: 'net0', linkType: LinkType.ETHERNET, snaplen: 65535 }];
  const pipeline = new TuiPipeline({ links, description: '', batches: async function* () {}, stats: () => [], close: async () => {} }, [], 10);
  pipeline.ingest(batchOf([f.bytes]));
  const pkt = new Packet();
  pipeline.decodeStored(0, pkt);
  return pkt;
}

describe('rows', () => {
  it('fits fields to columns, marking cuts', () => {
    expect(fit('192.0.2.1', 12)).toBe('192.0.2.1   ');
    expect(fit('2001:db8::1234:5678', 10)).toBe('2001:db8:…');
    expect(fit('7', 4, true)).toBe('   7');
  });

  it('lays a row out to exactly the list width, at 80 columns and wider', () => {
    for (const width of [80, 100, 200]) {
      const cols = columnsFor(width, false);
      const row = rowText(cols, { number: 12, time: '1.000250', link: 'net0', src: '192.0.2.10', dst: '192.0.2.1', proto: 'ICMP', summary: 'ICMP Echo request (ID: 1 Sequence number: 0)' });
      expect(row.length).toBe(width);
      expect(row).toMatch(/^\s+12\s+1\.000250 192\.0\.2\.10\s+192\.0\.2\.1\s+ICMP\s+ICMP Echo/);
      expect(headerText(cols, 'relative')).toMatch(/^\s+No\.\s+Time \(rel\) Source\s+Destination\s+Proto\s+Summary/);
    }
    expect(columnsFor(120, true).link).toBeGreaterThan(0);
  });

  it('formats relative, delta and absolute times to the microsecond', () => {
    expect(timeText('relative', 1_700_000_003, 250_000, 1_700_000_001, 500_000_000)).toBe('1.500250');
    expect(timeText('delta', 100, 0, 100, 0)).toBe('0.000000');
    const d = new Date(1_700_000_000 * 1000);
    const hh = String(d.getHours()).padStart(2, '0');
    expect(timeText('absolute', 1_700_000_000, 123_456_789, 0, 0)).toBe(`${hh}:${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')}.123456`);
  });
});

describe('layout', () => {
  it('fits every pane into 80×24 with room for packets, detail and hex', () => {
    const l = layoutFor(80, 24, 'list');
    expect(contentHeight(l.list)).toBeGreaterThanOrEqual(8);
    expect(contentHeight(l.detail)).toBeGreaterThanOrEqual(5);
    expect(contentHeight(l.hex)).toBeGreaterThanOrEqual(3);
    expect(l.list.height + l.detail.height + l.hex.height + l.status.height + l.bar.height).toBe(24);
    expect(l.side.height).toBe(0);
    expect(l.bar.top).toBe(23);
  });

  it('shows the side pane instead of detail and hex when it has the focus on a narrow screen', () => {
    const l = layoutFor(80, 24, 'side');
    expect(l.side.height).toBeGreaterThan(5);
    expect(l.detail.height + l.hex.height).toBe(0);
  });

  it('gives the side pane its own column on a wide screen', () => {
    const l = layoutFor(160, 40, 'list');
    expect(l.side.left).toBe(l.list.width);
    expect(l.side.left + l.side.width).toBe(160);
    expect(l.side.height).toBe(38);
  });
});

describe('hex highlighting', () => {
  it('puts the highlight on exactly the digits and characters of each byte', () => {
    const pkt = decoded('ICMP echo request');
    const lines = hexDumpLines(pkt.bytes, pkt.start, pkt.end).map((l) => l.replace(/^\t/, ''));
    for (let b = 0; b < pkt.capLen; b++) {
      const line = Math.floor(b / 16);
      const [[hexCol], [asciiCol]] = hexHighlight(line, b, b + 1);
      const byte = pkt.bytes[pkt.start + b];
      expect(lines[line].slice(hexCol, hexCol + 2)).toBe(byte.toString(16).padStart(2, '0'));
      const ch = byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
      expect(lines[line][asciiCol]).toBe(ch);
    }
  });

  it('maps detail lines to their layer and the layer to its bytes', () => {
    const pkt = decoded('ICMP echo request');
    const lines = verboseLines(pkt, NO_NAMES, []);
    const ipLine = lines.find((l) => l.startsWith('IP:'));
    const etherLine = lines.find((l) => l.startsWith('ETHER:'));
    expect(layerOfLine(ipLine ?? '')).toBe(L.IP);
    expect(layerOfLine(etherLine ?? '')).toBe(L.ETH);
    expect(layerOfLine('IPMP:  State = acked')).toBe(L.PROBE);
    expect(layerRange(pkt, L.ETH)).toEqual([pkt.start, pkt.start + 14]);
    expect(layerRange(pkt, L.IP)).toEqual([pkt.start + 14, pkt.start + 34]);
    expect(layerRange(pkt, L.TCP)).toBeNull();
  });

  it('finds the probe payload of an mpathd probe', () => {
    const pkt = decoded('mpathd UNI probe ms32');
    expect(layerRange(pkt, L.PROBE)).toEqual([pkt.start + 42, pkt.start + 58]);
  });
});

describe('link rates', () => {
  it('counts packets per link by packet-time second and draws a sparkline', () => {
    const r = new LinkRates();
    for (let s = 0; s < 10; s++) for (let n = 0; n <= s; n++) r.count(0, 1000 + s + n / 100);
    r.count(1, 1009.5);
    expect(r.capturedOn(0)).toBe(55);
    expect(r.rate(0, 10)).toBe(5.5);
    const line = r.sparkline(0, 10);
    expect(line).toHaveLength(10);
    expect(line[9]).toBe('█');
    expect(line[0]).toBe('▁');
    expect(r.sparkline(1, 3)).toBe('  █');
  });
});
