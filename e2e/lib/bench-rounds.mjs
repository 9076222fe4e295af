// Leg order and medians for a bench that compares nodes over rounds (chain-bench): where a leg runs in a round (first
// after the bench started, right after another node's leg...) must not decide which node comes out faster, so the
// order changes round by round and every figure is a median over the rounds.

export const legOrders = ['listed', 'abba', 'random'];

/** A generator of uniform numbers in [0, 1) from a 32-bit seed (mulberry32): the same seed, the same orders. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The legs of each round, as lists of `names`:
 *   listed: every round in the listed order;
 *   abba:   the listed order in even rounds, reversed in odd ones (A B C, C B A, A B C...): over an even number of
 *           rounds every leg is as often early as late;
 *   random: each round a shuffle drawn from `seed` (print the seed: it repeats the run's orders).
 */
export function legOrder(names, rounds, order, seed = 0) {
  if (!legOrders.includes(order)) throw new Error(`order ${order}: expected one of ${legOrders.join(', ')}`);
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error(`rounds ${rounds}: expected a whole number from 1`);
  const random = seededRandom(seed);
  return Array.from({ length: rounds }, (_, round) => {
    if (order === 'listed' || (order === 'abba' && round % 2 === 0)) return [...names];
    if (order === 'abba') return [...names].reverse();
    const shuffled = [...names];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    return shuffled;
  });
}

/** The median of the numbers among `values` (NaN and missing ones left out; the mean of the middle two for an even count); NaN when none. */
export function median(values) {
  const sorted = values.filter((x) => typeof x === 'number' && !Number.isNaN(x)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
