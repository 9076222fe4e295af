import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileContracts } from '../lib/compile.mjs';

test('solc-js compiles every contract in contracts/src', () => {
  const { contracts, solcVersion } = compileContracts();
  assert.match(solcVersion, /^0\.8\./);
  for (const name of ['HyperionToken', 'Registry']) {
    assert.ok(contracts[name], `missing ${name}`);
    assert.ok(contracts[name].bytecode.length > 100, `${name} has no bytecode`);
    assert.ok(Array.isArray(contracts[name].abi) && contracts[name].abi.length > 0, `${name} has no ABI`);
  }
  const errors = contracts.Registry.abi.filter((e) => e.type === 'error').map((e) => e.name).sort();
  assert.deepEqual(errors, ['NameTaken', 'NotOwner']);
});
