const EMPTY = -1;
/** A seed per process, so that no one can choose keys that collide (hash flooding). */
const SEED = (Math.random() * 2 ** 32) >>> 0;

/**
 * Gives each distinct string a dense id (0, 1, 2, … in order of first sight), in an
 * open-addressing table of integers. Ordered mode looks up every entry's key once; with a
 * key per record a `Map` cost as much as the whole unordered core (its growth and nodes),
 * this about a sixth of it. Ids index plain arrays, so per-key state needs no object.
 */
export class KeyIndex {
  private slots: Int32Array;
  private mask: number;
  private readonly keys: string[] = [];

  /** `expected`: about how many keys will come; the table grows past it. */
  constructor(expected: number) {
    const capacity = tableSizeFor(expected);
    this.slots = new Int32Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
  }

  /** How many distinct keys it holds. */
  get size(): number {
    return this.keys.length;
  }

  /** The key's id; a new one, the next in order, if the key is new. */
  intern(key: string): number {
    let slot = hash(key) & this.mask;
    for (;;) {
      const id = this.slots[slot];
      if (id === EMPTY) break;
      if (this.keys[id] === key) return id;
      slot = (slot + 1) & this.mask;
    }
    const id = this.keys.length;
    this.keys.push(key);
    this.slots[slot] = id;
    // At most half full, so that probes stay short.
    // Stryker disable next-line EqualityOperator: growing at half full, not past it, grows one key earlier: memory and time, same ids
    if (this.keys.length * 2 > this.slots.length) this.grow();
    return id;
  }

  /** The key's id, or -1 when it has none. */
  find(key: string): number {
    let slot = hash(key) & this.mask;
    for (;;) {
      const id = this.slots[slot];
      if (id === EMPTY || this.keys[id] === key) return id;
      slot = (slot + 1) & this.mask;
    }
  }

  private grow(): void {
    const capacity = this.slots.length * 2;
    this.slots = new Int32Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
    for (let id = 0; id < this.keys.length; id++) {
      let slot = hash(this.keys[id]) & this.mask;
      while (this.slots[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.slots[slot] = id;
    }
  }
}

/** The smallest power of two at least twice `expected` (and at least 16). */
function tableSizeFor(expected: number): number {
  let capacity = 16;
  // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: a first table of another size grows as needed: memory and time, same ids
  while (capacity < expected * 2) capacity *= 2;
  return capacity;
}

/**
 * FNV-1a over every character. Hashing part of a long key would be cheaper, but keys that
 * differ only in the part left out would all collide, and the table would turn quadratic.
 */
// Stryker disable next-line BlockStatement: no hash puts every key in one probe chain: same ids, only quadratic time (bench p8 shows it)
function hash(key: string): number {
  let h = 0x811c9dc5 ^ SEED;
  // Stryker disable next-line EqualityOperator,ConditionalExpression: one more character (NaN, XORed in as 0) is one more multiply, a hash as good; none is the seed alone, one probe chain as above
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  // Fold the high bits in: the table uses the low ones.
  return (h ^ (h >>> 16)) >>> 0;
}
