import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StringText, textOf } from '../../src/output/byte-text.js';
import { TextSink } from '../../src/output/stdout-sink.js';

describe('ByteText', () => {
  it('writes integers in decimal exactly as String() does, padded like printf', () => {
    const samples = [0, 7, 9, 10, 99, 100, 65535, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 53 - 1, -1, -250, 1.5, 1e21];
    for (const n of samples) expect(textOf((o) => o.int(n))).toBe(String(n));
    // Every digit count, at both of its ends.
    for (let p = 10; p <= 1e9; p *= 10) {
      expect(textOf((o) => o.int(p - 1))).toBe(String(p - 1));
      expect(textOf((o) => o.int(p))).toBe(String(p));
      expect(textOf((o) => o.intPadded(p, 12, true))).toBe(String(p).padStart(12, '0'));
    }
    expect(textOf((o) => o.intPadded(42, 5))).toBe('   42');
    expect(textOf((o) => o.intPadded(42, 5, true))).toBe('00042');
    expect(textOf((o) => o.intPadded(123456, 3))).toBe('123456');
    expect(textOf((o) => o.intPadded(-5, 4))).toBe('  -5');
  });

  it('encodes text as UTF-8 whether it is ASCII, mixed or long', () => {
    const mixed = 'auto1/net0 → 192.0.2.1 UNI #';
    const long = 'x'.repeat(200) + ' ü → 日本';
    expect(textOf((o) => o.text(mixed))).toBe(mixed);
    expect(textOf((o) => o.text(long))).toBe(long);
    const out = new StringText();
    out.recurring(mixed);
    out.recurring(mixed);
    expect(out.takeFrom()).toBe(mixed + mixed);
  });

  it('copies byte ranges exactly, whole arrays and parts, short and long, across buffer refills', () => {
    const source = Buffer.from(Array.from({ length: 300 }, (_, i) => 0x21 + (i % 90)));
    const out = new StringText();
    let expected = '';
    for (let len = 0; len <= 40; len++) {
      const whole = source.subarray(0, len);
      out.bytes(whole, 0, whole.length);
      out.bytes(source, 7, 7 + len);
      expected += whole.toString('latin1') + source.subarray(7, 7 + len).toString('latin1');
    }
    // Past the starting buffer: the copies go on in the grown one.
    for (let k = 0; k < 50; k++) {
      out.bytes(source, 0, source.length);
      expected += source.toString('latin1');
    }
    expect(out.takeFrom()).toBe(expected);
  });

  it('pads recurring strings to a column width and never cuts a longer one', () => {
    expect(textOf((o) => o.padStart('192.0.2.1', 12))).toBe('   192.0.2.1');
    expect(textOf((o) => o.padEnd('192.0.2.1', 12))).toBe('192.0.2.1   ');
    expect(textOf((o) => o.padEnd('2001:db8::1234:5678', 12))).toBe('2001:db8::1234:5678');
  });

  it('writes fixed-point numbers exactly as toFixed does, halves and awkward doubles included', () => {
    const values: number[] = [0, 0.001, 0.005, 0.015, 0.125, 1.005, 1.255, 2.675, 10.235, 99.995, 1e-7, 123456.785, 2 ** 31 / 100, 1e12, -0.004, -1.5, Number.NaN, Infinity];
    // Every k/1000 and k/1000 + 0.0005 up to 50: thousands of values next to a rounding half.
    for (let k = 0; k < 50_000; k++) values.push(k / 1000, k / 1000 + 0.0005);
    // And doubles of all magnitudes.
    let seed = 7;
    for (let i = 0; i < 20_000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      values.push((seed / 2 ** 32) * 10 ** ((i % 9) - 2));
    }
    for (const decimals of [1, 2, 3, 6]) {
      const out = new StringText();
      for (const v of values) {
        out.fixed(v, decimals);
        out.byte(0x0a);
      }
      expect(out.takeFrom()).toBe(values.map((v) => v.toFixed(decimals) + '\n').join(''));
    }
  });

  it('lets text be made while other text is being written', () => {
    const got = textOf((outer) => {
      outer.text('head ');
      const inner = textOf((o) => o.text('inner'));
      outer.text(inner.toUpperCase());
    });
    expect(got).toBe('head INNER');
  });
});

describe('TextSink', () => {
  it('hands every byte to the stream in order across many buffer fills, and lines longer than a buffer', async () => {
    const chunks: Buffer[] = [];
    const sink = new TextSink(new Writable({ write(chunk: Buffer, _e, done) { chunks.push(Buffer.from(chunk)); done(); } }));
    let expected = '';
    for (let i = 0; i < 20_000; i++) {
      sink.intPadded(i, 6);
      sink.text(' → line\n');
      expected += `${String(i).padStart(6)} → line\n`;
    }
    const huge = 'y'.repeat(100_000) + '\n';
    sink.text(huge);
    expected += huge;
    await sink.flush();
    expect(Buffer.concat(chunks).toString('utf8')).toBe(expected);
  });

  it('keeps a buffer the stream still holds untouched and writes on into a fresh one', async () => {
    const held: Buffer[] = [];
    const callbacks: (() => void)[] = [];
    // A stream that completes writes only later: the sink must not reuse what it handed over.
    const slow = new Writable({ highWaterMark: 1 << 30, write(chunk: Buffer, _e, done) { held.push(chunk); callbacks.push(() => done()); } });
    const sink = new TextSink(slow);
    sink.text('a'.repeat(1000));
    await sink.flush();
    sink.text('b'.repeat(1000));
    await sink.flush();
    // The stream holds the first chunk (and queues the second) until its write completes.
    while (held.length < 2) {
      callbacks.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(Buffer.concat(held).toString()).toBe('a'.repeat(1000) + 'b'.repeat(1000));
  });
});
