import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { mersenne } from 'pure-rand/generator/mersenne';

/** A reproducible source of numbers in [0, 1). */
export type Random = () => number;

/** Numbers in [0, 1) from pure-rand's Mersenne Twister (it spreads even a small seed over its whole state), seeded: fault injection and sample data reproduce from a seed. */
export function seededRandom(seed: number): Random {
  const generator = mersenne(seed);
  return () => uniformFloat64(generator);
}
