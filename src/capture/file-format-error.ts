// The one error type a capture file reader throws for bad input, so the CLI can print a single
// line naming where the damage starts (everything before it has already been delivered).

export class FileFormatError extends Error {
  /** Byte offset in the file where the damaged header, record or block starts. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.name = 'FileFormatError';
    this.offset = offset;
  }
}

/** `73 6e 6f 6f`: how messages show unexpected magic bytes. */
export function hexBytes(bytes: Uint8Array, at: number, count: number): string {
  const shown: string[] = [];
  for (let i = at; i < at + count; i++) shown.push(bytes[i].toString(16).padStart(2, '0'));
  return shown.join(' ');
}
