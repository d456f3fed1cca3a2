// A small cache keyed by int32 values (IPv4 addresses in their int32 view, the low half of a MAC,
// an IPv6 address's hash), for the texts printing and annotating make of the same few addresses
// over and over. Not a Map: V8 hashes keys past the small-integer range as heap numbers, which
// costs about what rebuilding a short text does. int32 keys, not wider ones, because V8 keeps an
// int32 a small integer when it is passed to a function, where any wider number needs a heap
// number made for it: a key of 48 bits cost two allocations a lookup.
// Two-way set associative: a key lives in one of the two slots of its set, and a new key takes
// the slot its set used less recently, so a fixed size bounds memory whatever comes.
export class NumberCache<V> {
  private readonly keys: Int32Array;
  /** undefined marks an empty slot (every int32 is a possible key). */
  private readonly values: (V | undefined)[];
  /** Per set, the way used last. */
  private readonly recent: Uint8Array;
  private readonly shift: number;

  /** 2^`setBits` sets of two slots; setBits from 1 to 24. */
  constructor(setBits: number) {
    if (!(setBits >= 1 && setBits <= 24)) throw new RangeError(`bad cache size 2^${setBits}`);
    const sets = 1 << setBits;
    this.keys = new Int32Array(sets * 2);
    this.values = new Array<V | undefined>(sets * 2).fill(undefined);
    this.recent = new Uint8Array(sets);
    this.shift = 32 - setBits;
  }

  /** The value kept for `key` (an int32), or undefined. */
  get(key: number): V | undefined {
    const set = this.setOf(key);
    const way = set * 2;
    // An empty slot's key reads 0: a match there counts only with a value behind it.
    const first = this.keys[way] === key ? this.values[way] : undefined;
    if (first !== undefined) {
      this.recent[set] = 0;
      return first;
    }
    const second = this.keys[way + 1] === key ? this.values[way + 1] : undefined;
    if (second !== undefined) this.recent[set] = 1;
    return second;
  }

  set(key: number, value: V): void {
    const set = this.setOf(key);
    const way = set * 2 + (this.recent[set] ^ 1);
    this.keys[way] = key;
    this.values[way] = value;
    this.recent[set] = way & 1;
  }

  /** Multiplicative hash: the top bits of the product pick the set. */
  private setOf(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }
}
