// What protocol renderers need besides the packet: name lookup. Names come only from `-n file`
// and /etc/hosts (never DNS); with `-r` the table is empty and addresses print bare.

export interface NameLookup {
  /** Name for an IPv4 address (u32), or undefined. */
  ipv4(addr: number): string | undefined;
  /** Name for an IPv6 address given as its RFC 5952 text, or undefined. */
  ipv6(text: string): string | undefined;
}

export const NO_NAMES: NameLookup = {
  ipv4: () => undefined,
  ipv6: () => undefined,
};
