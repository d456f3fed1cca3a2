// Text written straight as UTF-8 bytes. Summary lines are assembled piece by piece into a byte
// buffer, the way tcpdump prints into stdio's buffer: no JavaScript string is built for a line,
// so nothing is flattened, re-encoded or left for the garbage collector. Constant words go
// through `text()`; strings that recur on many lines (addresses, an annotation's head) through
// `recurring()`, which encodes each once and then copies bytes.
// Subclasses decide what happens when the buffer fills: the stdout sink hands it to the stream,
// StringText grows it and gives the text back as a string (the TUI, JSON and tests).

/** Longer strings go to Buffer.write in one native call instead of the per-character loop. */
const LOOP_LIMIT = 48;
/**
 * Copies up to this long go byte by byte; longer whole arrays go to TypedArray set(), which
 * costs about as much as eight single-byte stores (about 16 ns against 1.6 ns a byte).
 */
const SHORT_COPY = 8;
/** Distinct recurring strings kept encoded; past this the cache starts again. */
const RECURRING_LIMIT = 4096;
const SPACE = 0x20;
const ZERO = 0x30;
const DECIMAL_SCALES = [1, 10, 100, 1000, 10000, 100000, 1000000];
/** Far wider than the rounding error of a scaled value below 2^31 (about 2^-22). */
const HALF_BAND = 1e-6;

export abstract class ByteText {
  protected buf: Buffer;
  protected pos = 0;
  private readonly encoded = new Map<string, Buffer>();

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Make room for `need` more bytes: afterwards pos + need fits in buf. */
  protected abstract spill(need: number): void;

  private room(need: number): void {
    if (this.pos + need > this.buf.length) this.spill(need);
  }

  /** One ASCII character by code. */
  byte(code: number): void {
    this.room(1);
    this.buf[this.pos++] = code;
  }

  text(s: string): void {
    const n = s.length;
    this.room(n * 3);
    if (n > LOOP_LIMIT) {
      this.pos += this.buf.write(s, this.pos);
      return;
    }
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        p += b.write(s.slice(i), p);
        break;
      }
      b[p++] = c;
    }
    this.pos = p;
  }

  /** A string that comes back line after line: encoded the first time, copied afterwards. */
  recurring(s: string): void {
    let bytes = this.encoded.get(s);
    if (bytes === undefined) {
      if (this.encoded.size >= RECURRING_LIMIT) this.encoded.clear();
      bytes = Buffer.from(s, 'utf8');
      this.encoded.set(s, bytes);
    }
    this.bytes(bytes, 0, bytes.length);
  }

  /** Bytes [start, end) of `src`, already UTF-8. */
  bytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.room(n);
    const b = this.buf;
    let p = this.pos;
    if (n > SHORT_COPY && start === 0 && end === src.length) {
      b.set(src, p);
      p += n;
    } else {
      for (let i = start; i < end; i++) b[p++] = src[i];
    }
    this.pos = p;
  }

  spaces(count: number): void {
    this.repeat(SPACE, count);
  }

  /** `count` copies of one ASCII character (none when count <= 0). */
  private repeat(code: number, count: number): void {
    if (count <= 0) return;
    this.room(count);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < count; i++) b[p++] = code;
    this.pos = p;
  }

  /** A recurring string right-aligned in `width` columns (printf's %12s). */
  padStart(s: string, width: number): void {
    this.spaces(width - s.length);
    this.recurring(s);
  }

  /** A recurring string left-aligned in `width` columns (printf's %-12s). */
  padEnd(s: string, width: number): void {
    this.recurring(s);
    this.spaces(width - s.length);
  }

  /** An integer in decimal; the digits are written from the right, without a string. */
  int(n: number): void {
    if ((n | 0) === n && n >= 0) this.digits(n, digitCount(n), SPACE);
    else this.text(String(n));
  }

  /** An integer right-aligned in `width` columns, padded with spaces or zeros. */
  intPadded(n: number, width: number, zeros = false): void {
    if ((n | 0) !== n || n < 0) {
      const s = String(n);
      this.spaces(width - s.length);
      this.text(s);
      return;
    }
    const count = digitCount(n);
    this.digits(n, count > width ? count : width, zeros ? ZERO : SPACE);
  }

  /**
   * `value.toFixed(decimals)` (decimals 1 to 6), without making the string where integer
   * arithmetic gives the same digits: Math.round of the scaled value picks toFixed's digits
   * except when the scaled value lies within rounding error of a half, where toFixed decides
   * from the double's exact decimal value; those, negatives and large values go to toFixed.
   */
  fixed(value: number, decimals: number): void {
    const scale = DECIMAL_SCALES[decimals];
    const scaled = value * scale;
    const n = Math.round(scaled);
    if (!(value >= 0) || n > 0x7fffffff || Math.abs(scaled - Math.floor(scaled) - 0.5) < HALF_BAND) {
      this.text(value.toFixed(decimals));
      return;
    }
    const whole = Math.floor(n / scale);
    this.digits(whole, digitCount(whole), SPACE);
    this.byte(0x2e);
    this.digits(n - whole * scale, decimals, ZERO);
  }

  /**
   * A non-negative int32 right-aligned in `width` columns (at least its digit count), `pad` in
   * front: one room check, then one pass from the right in small integer arithmetic.
   */
  private digits(n: number, width: number, pad: number): void {
    this.room(width);
    const b = this.buf;
    const start = this.pos;
    let p = start + width;
    this.pos = p;
    do {
      const q = (n / 10) | 0;
      b[--p] = ZERO + n - q * 10;
      n = q;
    } while (n > 0);
    while (p > start) b[--p] = pad;
  }
}

/** Decimal digits of a non-negative int32, by comparison rather than division. */
function digitCount(n: number): number {
  if (n < 100000) return n < 100 ? (n < 10 ? 1 : 2) : n < 1000 ? 3 : n < 10000 ? 4 : 5;
  return n < 10000000 ? (n < 1000000 ? 6 : 7) : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
}

/** ByteText that keeps everything in memory and hands it back as a string. */
export class StringText extends ByteText {
  constructor() {
    super(256);
  }

  protected spill(need: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + need));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  get length(): number {
    return this.pos;
  }

  /** The text written from byte `start` on, which is then forgotten. */
  takeFrom(start = 0): string {
    const s = this.buf.toString('utf8', start, this.pos);
    this.pos = start;
    return s;
  }
}

const scratch = new StringText();

/**
 * What `write` writes, as a string: for callers that want text, not bytes. Calls may nest (a
 * -V line made while a summary is being written); each takes only its own part of the scratch.
 */
export function textOf(write: (out: ByteText) => void): string {
  const start = scratch.length;
  write(scratch);
  return scratch.takeFrom(start);
}
