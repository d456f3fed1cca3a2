// The scanner, following snoop's `next()` (snoop-model.md §2.1): words, FIELD words (`ether[`),
// numbers (decimal, 0-octal, 0x-hex), dotted IPv4, colon IPv6, 5-colon Ethernet addresses, and
// one- or two-character operators. Every token keeps its offset for error carets.
import { parseIpv4, parseIpv6 } from '../decode/addr.js';
import { FilterSyntaxError } from './errors.js';

export type TokenKind = 'word' | 'field' | 'number' | 'ipv4' | 'ipv6' | 'ether' | 'dotted' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
  /** Numeric value of a `number` token. */
  value: number;
}

const TWO_CHAR_OPS = new Set(['==', '>=', '<=', '!=']);
const ADDR_CHARS = /[0-9A-Za-z_.:]/;
const WORD_CHARS = /[0-9A-Za-z_.-]/;

function runOf(src: string, from: number, chars: RegExp): string {
  let i = from;
  while (i < src.length && chars.test(src[i])) i++;
  return src.slice(from, i);
}

function parseNumber(text: string): number | null {
  let v: number;
  if (/^0[xX][0-9a-fA-F]*$/.test(text)) v = text.length === 2 ? 0 : parseInt(text.slice(2), 16);
  else if (/^0[0-7]*$/.test(text)) v = parseInt(text, 8);
  else if (/^[1-9][0-9]*$/.test(text)) v = Number(text);
  else return null;
  return v > 0xffffffff ? null : v;
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const fail = (msg: string, pos: number): never => {
    throw new FilterSyntaxError(msg, pos, src);
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const pos = i;
    if (/[0-9A-Za-z_]/.test(c) || src.startsWith('::', i)) {
      // Addresses first: a run with two or more colons is IPv6, or Ethernet with exactly five.
      const addr = runOf(src, i, ADDR_CHARS);
      const colons = addr.split(':').length - 1;
      if (colons >= 2) {
        if (colons === 5 && !addr.includes('::') && /^([0-9a-fA-F]{1,2}:){5}[0-9a-fA-F]{1,2}$/.test(addr)) {
          out.push({ kind: 'ether', text: addr, pos, value: 0 });
        } else {
          if (!parseIpv6(addr)) fail(`bad IPv6 address '${addr}'`, pos);
          out.push({ kind: 'ipv6', text: addr, pos, value: 0 });
        }
        i += addr.length;
        continue;
      }
      if (/[A-Za-z_]/.test(c)) {
        const word = runOf(src, i, WORD_CHARS);
        i += word.length;
        out.push({ kind: src[i] === '[' ? 'field' : 'word', text: word, pos, value: 0 });
        continue;
      }
      const digits = runOf(src, i, /[0-9A-Za-z_.]/);
      if (/^\d+\.\d+\.\d+\.\d+$/.test(digits)) {
        if (parseIpv4(digits) === null) fail(`bad IPv4 address '${digits}'`, pos);
        out.push({ kind: 'ipv4', text: digits, pos, value: 0 });
      } else if (/^\d+(\.\d+){1,2}$/.test(digits)) {
        out.push({ kind: 'dotted', text: digits, pos, value: 0 });
      } else {
        const n = parseNumber(digits);
        if (n !== null) out.push({ kind: 'number', text: digits, pos, value: n });
        else if (/^[0-9]+$/.test(digits) || /^0[xX]/.test(digits)) fail(`bad number '${digits}'`, pos);
        else {
          // snoop reads something like `333aaa` as a host name.
          const word = runOf(src, i, WORD_CHARS);
          out.push({ kind: src[i + word.length] === '[' ? 'field' : 'word', text: word, pos, value: 0 });
          i += word.length;
          continue;
        }
      }
      i += digits.length;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (TWO_CHAR_OPS.has(two)) {
      out.push({ kind: 'op', text: two, pos, value: 0 });
      i += 2;
      continue;
    }
    out.push({ kind: 'op', text: c, pos, value: 0 });
    i++;
  }
  out.push({ kind: 'eof', text: '', pos: src.length, value: 0 });
  return out;
}
