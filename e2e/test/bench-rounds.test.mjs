// chain-bench's leg order over rounds and its medians (e2e/lib/bench-rounds.mjs): no node needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { legOrder, median, seededRandom } from '../lib/bench-rounds.mjs';

const names = ['main', 'new', 'anvil'];

test('abba: the listed order in even rounds, reversed in odd ones, so every leg is as often early as late', () => {
  const rounds = legOrder(names, 4, 'abba');
  assert.deepEqual(rounds, [names, [...names].reverse(), names, [...names].reverse()]);
  const meanPosition = (name) => rounds.reduce((sum, r) => sum + r.indexOf(name), 0) / rounds.length;
  for (const name of names) assert.equal(meanPosition(name), 1, name);
});

test('listed: every round the same; one round of any order is the listed one', () => {
  assert.deepEqual(legOrder(names, 3, 'listed'), [names, names, names]);
  assert.deepEqual(legOrder(names, 1, 'abba'), [names]);
});

test('random: every round a permutation; the same seed gives the same orders, another seed other ones', () => {
  const many = [...names, 'main-durable', 'new-durable'];
  const rounds = legOrder(many, 8, 'random', 42);
  for (const r of rounds) assert.deepEqual([...r].sort(), [...many].sort());
  assert.deepEqual(legOrder(many, 8, 'random', 42), rounds);
  assert.notDeepEqual(legOrder(many, 8, 'random', 43), rounds);
  assert.ok(new Set(rounds.map((r) => r.join())).size > 1, 'the order changes between rounds');
});

test('seededRandom: numbers in [0, 1) from a 32-bit seed', () => {
  const next = seededRandom(7);
  const xs = Array.from({ length: 1000 }, next);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.ok(Math.abs(xs.reduce((a, b) => a + b, 0) / xs.length - 0.5) < 0.05, 'about uniform');
});

test('an unknown order or a round count below 1 is refused', () => {
  assert.throws(() => legOrder(names, 2, 'zigzag'), /order zigzag/);
  assert.throws(() => legOrder(names, 0, 'abba'), /rounds 0/);
  assert.throws(() => legOrder(names, 1.5, 'abba'), /rounds 1.5/);
});

test('median: the middle value, the mean of the middle two for an even count, failed legs and NaN left out', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([NaN, 5, undefined, 1]), 3);
  assert.ok(Number.isNaN(median([])));
  assert.ok(Number.isNaN(median([NaN])));
});
