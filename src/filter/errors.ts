// The one error the filter compiler throws: what went wrong and where, so the CLI and the TUI can
// point at the offending token.

export class FilterSyntaxError extends Error {
  override name = 'FilterSyntaxError';

  constructor(
    message: string,
    /** Character offset in `expression` of the token the error is about. */
    readonly position: number,
    readonly expression: string,
  ) {
    super(message);
  }

  /** The expression, a newline, then a caret under the offending character. */
  caretLine(): string {
    const at = Math.max(0, Math.min(this.position, this.expression.length));
    return `${this.expression}\n${' '.repeat(at)}^`;
  }
}
