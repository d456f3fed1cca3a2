// Packet-list rows as text: column widths for the terminal width, the time column in each of
// the three formats, and fitting each field to its column. Pure, so tests check it directly.
import type { TimeFormat } from './view-model.js';

export interface Columns {
  num: number;
  time: number;
  /** 0 when the capture has one link (the column is then left out). */
  link: number;
  src: number;
  dst: number;
  proto: number;
  /** Summary and annotation share the rest of the line. */
  summary: number;
}

export interface RowFields {
  number: number;
  time: string;
  link: string;
  src: string;
  dst: string;
  proto: string;
  summary: string;
}

/** Column widths for a list `width` characters wide; addresses get more room as it grows. */
export function columnsFor(width: number, showLink: boolean): Columns {
  const num = 7;
  // Wide enough for an absolute HH:MM:SS.uuuuuu or a relative time past a day of capture.
  const time = 16;
  const link = showLink ? 8 : 0;
  const proto = 7;
  const fixed = num + time + link + proto;
  // An IPv4 address fits at 80 columns; wider screens share the extra room with the summary.
  const addr = Math.max(14, Math.min(28, Math.floor((width - fixed) / 4)));
  return { num, time, link, src: addr, dst: addr, proto, summary: Math.max(0, width - fixed - 2 * addr) };
}

/** `text` cut or padded to exactly `width` characters; a cut is marked with '…'. */
export function fit(text: string, width: number, alignRight = false): string {
  if (width <= 0) return '';
  if (text.length > width) return width === 1 ? '…' : text.slice(0, width - 1) + '…';
  return alignRight ? text.padStart(width) : text.padEnd(width);
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/**
 * The time column: seconds since `base` (relative), wall-clock time of day (absolute), or seconds
 * since the row above (delta, `base` being that row's time). Microsecond precision.
 */
export function timeText(format: TimeFormat, sec: number, nsec: number, baseSec: number, baseNsec: number): string {
  if (format === 'absolute') {
    const d = new Date(sec * 1000);
    return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${String(Math.floor(nsec / 1000)).padStart(6, '0')}`;
  }
  let s = sec - baseSec;
  let ns = nsec - baseNsec;
  if (ns < 0) {
    ns += 1e9;
    s -= 1;
  }
  if (s < 0) return '-';
  return `${s}.${String(Math.floor(ns / 1000)).padStart(6, '0')}`;
}

export function rowText(c: Columns, f: RowFields): string {
  let line = fit(String(f.number), c.num - 1, true) + ' ' + fit(f.time, c.time - 1, true) + ' ';
  if (c.link) line += fit(f.link, c.link - 1) + ' ';
  line += fit(f.src, c.src - 1) + ' ' + fit(f.dst, c.dst - 1) + ' ' + fit(f.proto, c.proto - 1) + ' ';
  return line + fit(f.summary, c.summary);
}

export function headerText(c: Columns, time: TimeFormat): string {
  const timeTitle = time === 'absolute' ? 'Time' : time === 'delta' ? 'Delta' : 'Time (rel)';
  return rowText(c, { number: 0, time: timeTitle, link: 'Link', src: 'Source', dst: 'Destination', proto: 'Proto', summary: 'Summary' }).replace(/^\s*0 /, fit('No.', c.num - 1, true) + ' ');
}
