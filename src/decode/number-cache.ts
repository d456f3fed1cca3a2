// A small cache keyed by integers below 2^53 (IPv4 and MAC addresses), for the texts printing
// and annotating make of the same few addresses over and over. Not a Map: V8 hashes keys past
// the small-integer range (31 bits) as heap numbers, which costs about what rebuilding a short
// text does. Two-way set associative: a key lives in one of the two slots of its set, and a new
// key takes the slot its set used less recently, so a fixed size bounds memory whatever comes.
export class NumberCache<V> {
  private readonly keys: Float64Array;
  private readonly values: (V | undefined)[];
  /** Per set, the way used last. */
  private readonly recent: Uint8Array;
  private readonly shift: number;

  /** 2^`setBits` sets of two slots; setBits from 1 to 24. */
  constructor(setBits: number) {
    if (!(setBits >= 1 && setBits <= 24)) throw new RangeError(`bad cache size 2^${setBits}`);
    const sets = 1 << setBits;
    this.keys = new Float64Array(sets * 2).fill(-1);
    this.values = new Array<V | undefined>(sets * 2).fill(undefined);
    this.recent = new Uint8Array(sets);
    this.shift = 32 - setBits;
  }

  get(key: number): V | undefined {
    const set = this.setOf(key);
    const way = set * 2;
    if (this.keys[way] === key) {
      this.recent[set] = 0;
      return this.values[way];
    }
    if (this.keys[way + 1] === key) {
      this.recent[set] = 1;
      return this.values[way + 1];
    }
    return undefined;
  }

  set(key: number, value: V): void {
    const set = this.setOf(key);
    const way = set * 2 + (this.recent[set] ^ 1);
    this.keys[way] = key;
    this.values[way] = value;
    this.recent[set] = way & 1;
  }

  /** Multiplicative hash of both 32-bit halves (`>>> 0` takes a double's low 32 bits exactly). */
  private setOf(key: number): number {
    const hi = (key / 4294967296) >>> 0;
    return Math.imul((key >>> 0) ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> this.shift;
  }
}
