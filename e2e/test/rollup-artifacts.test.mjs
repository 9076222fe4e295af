// The checked-in rollup contract artifacts (src/Hyperion.Rollup.Node/Contracts/rollup-contracts.json, embedded in the
// node and the source of the L2 genesis' predeploy code) must be what the current Solidity compiles to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { artifactsFile, renderArtifacts } from '../scripts/rollup-artifacts.mjs';

test('rollup-contracts.json equals a fresh compile of contracts/src/rollup', () => {
  const checkedIn = fs.readFileSync(artifactsFile, 'utf8');
  const fresh = renderArtifacts();
  if (checkedIn === fresh) return;
  const a = JSON.parse(checkedIn).contracts;
  const b = JSON.parse(fresh).contracts;
  const differing = [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((name) => JSON.stringify(a[name]) !== JSON.stringify(b[name]));
  assert.fail(`rollup-contracts.json is stale (differs in: ${differing.join(', ') || 'solc version'}); run node e2e/scripts/rollup-artifacts.mjs`);
});
