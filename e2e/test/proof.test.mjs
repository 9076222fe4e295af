// eth_getProof (EIP-1186) through ethers: the result's shape, and that its proofs hang together with the block's
// stateRoot and the account's storageHash (every node is referenced by its keccak from the one above it). Against
// hyperion the chain is kept in a data directory, so the proofs come from the MetisDB-backed state; when anvil is
// installed, the genesis proof of a dev account is compared with anvil's (both root-consistent, the same proven leaf).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ethers } from 'ethers';
import { startNode, devKeys, binDir } from '../lib/node.mjs';

const isAnvil = process.env.E2E_NODE === 'anvil';
const dataDir = isAnvil ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'hyperion-e2e-proof-'));
const probe = await startNode({ dataDir });
const skip = probe.unavailable ? `node unavailable: ${probe.unavailable}` : false;
const emptyTrieRoot = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421';
const storeTwoSlots = '0x602a60015560076002555f5ff3'; // slot 1 = 0x2a, slot 2 = 7; deploys no code

/**
 * Checks that proof[0] hashes to root and each later node is referenced (by hash) from the node before it. (anvil's
 * genesis header carries the empty root whatever its accounts, so there only the links are checked.)
 */
function assertLinked(proof, root, { headerRoot = true } = {}) {
  assert.ok(proof.length > 0);
  if (headerRoot) assert.equal(ethers.keccak256(proof[0]), root);
  for (let i = 1; i < proof.length; i++) {
    const hash = ethers.keccak256(proof[i]).slice(2);
    assert.ok(proof[i - 1].includes(hash), `node ${i} is not referenced by node ${i - 1}`);
  }
}

/** The value in the leaf at the end of a proof of a present key. */
function leafValue(proof) {
  const node = ethers.decodeRlp(proof[proof.length - 1]);
  assert.equal(node.length, 2, 'the last node of a present key is a leaf');
  return node[1];
}

function assertShape(result) {
  for (const field of ['address', 'balance', 'codeHash', 'nonce', 'storageHash']) assert.equal(typeof result[field], 'string', field);
  assert.ok(Array.isArray(result.accountProof));
  assert.ok(Array.isArray(result.storageProof));
  for (const slot of result.storageProof) {
    assert.equal(typeof slot.key, 'string');
    assert.match(slot.value, /^0x(0|[1-9a-f][0-9a-f]*)$/);
    assert.ok(Array.isArray(slot.proof));
  }
}

describe('eth_getProof', { skip, timeout: 300_000 }, () => {
  let provider;
  let wallet;
  before(() => {
    provider = new ethers.JsonRpcProvider(probe.url, undefined, { pollingInterval: 50, cacheTimeout: -1 });
    wallet = new ethers.Wallet(devKeys[0], provider);
  });
  after(async () => {
    provider?.destroy();
    await probe.stop?.();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('a funded account at genesis', async () => {
    const genesis = await provider.getBlock(0);
    const result = await provider.send('eth_getProof', [wallet.address, [], '0x0']);
    assertShape(result);
    assertLinked(result.accountProof, genesis.stateRoot, { headerRoot: !isAnvil });
    const [nonce, balance, storageRoot, codeHash] = ethers.decodeRlp(leafValue(result.accountProof));
    assert.equal(BigInt(balance), BigInt(result.balance));
    assert.equal(BigInt(nonce === '0x' ? 0 : nonce), BigInt(result.nonce));
    assert.equal(storageRoot, result.storageHash);
    assert.equal(codeHash, result.codeHash);
    assert.equal(result.storageHash, emptyTrieRoot);
    assert.equal(result.codeHash, ethers.keccak256('0x'));
  });

  test('a contract with storage, present and absent slots', async () => {
    const tx = await wallet.sendTransaction({ data: storeTwoSlots, gasLimit: 200_000 });
    const receipt = await tx.wait();
    const block = await provider.getBlock(receipt.blockNumber);
    const result = await provider.send('eth_getProof', [receipt.contractAddress, [ethers.zeroPadValue('0x01', 32), ethers.zeroPadValue('0x05', 32)], ethers.toQuantity(receipt.blockNumber)]);
    assertShape(result);
    assertLinked(result.accountProof, block.stateRoot);
    assert.equal(BigInt(result.nonce), 1n);
    assert.notEqual(result.storageHash, emptyTrieRoot);
    const [present, absent] = result.storageProof;
    assert.equal(BigInt(present.value), 0x2an);
    assertLinked(present.proof, result.storageHash);
    assert.equal(BigInt(ethers.decodeRlp(leafValue(present.proof))), 0x2an);
    assert.equal(BigInt(absent.value), 0n);
    assertLinked(absent.proof, result.storageHash);
  });

  test('an account that does not exist', async () => {
    const block = await provider.getBlock('latest');
    const nobody = ethers.Wallet.createRandom().address;
    const result = await provider.send('eth_getProof', [nobody, [ethers.zeroPadValue('0x', 32)], 'latest']);
    assertShape(result);
    assertLinked(result.accountProof, block.stateRoot);
    assert.equal(BigInt(result.balance), 0n);
    assert.equal(BigInt(result.nonce), 0n);
    assert.equal(result.storageHash, emptyTrieRoot);
    assert.equal(BigInt(result.storageProof[0].value), 0n);
  });

  test('the genesis proof of a dev account matches anvil', { skip: isAnvil || !fs.existsSync(path.join(binDir, 'anvil')) ? 'anvil is the node under test, or not installed' : false }, async () => {
    process.env.E2E_NODE = 'anvil';
    const anvil = await startNode({ extraArgs: ['--hardfork', 'cancun'] });
    delete process.env.E2E_NODE;
    assert.ok(!anvil.unavailable, anvil.unavailable);
    try {
      const ours = await provider.send('eth_getProof', [wallet.address, [], '0x0']);
      const theirs = await anvil.rpc('eth_getProof', [wallet.address, [], '0x0']);
      const ourRoot = (await provider.getBlock(0)).stateRoot;
      assertLinked(theirs.accountProof, null, { headerRoot: false });
      assert.equal(BigInt(ours.balance), BigInt(theirs.balance));
      assert.equal(BigInt(ours.nonce), BigInt(theirs.nonce));
      assert.equal(ours.storageHash, theirs.storageHash);
      assert.equal(ours.codeHash, theirs.codeHash);
      // anvil also predeploys the CREATE2 deployer, so the tries differ; the proven leaf (the account's RLP) may not.
      assertLinked(ours.accountProof, ourRoot);
      assert.equal(leafValue(ours.accountProof), leafValue(theirs.accountProof));
    } finally {
      await anvil.stop();
    }
  });
});

if (skip) test('eth_getProof suite', { skip }, () => {});
