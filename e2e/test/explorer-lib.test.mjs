// The explorer's own JavaScript that needs no browser, checked against ethers: Keccak-256, ABI decoding of
// calls and logs, CREATE addresses, the rate buckets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ethers } from 'ethers';
import { repoRoot } from '../lib/node.mjs';

const site = path.join(repoRoot, 'src/Hyperion.Rpc/Explorer/wwwroot');
const load = (file) => import(pathToFileURL(path.join(site, file)).href);
const { keccakHex } = await load('keccak.js');
const abi = await load('abi.js');
const { createdAddress } = await load('pages/address.js');
const { rateBuckets } = await load('charts.js');

test('keccak256 equals ethers for lengths around the 136-byte rate', () => {
  for (const length of [0, 1, 31, 32, 135, 136, 137, 271, 272, 500]) {
    const bytes = crypto.randomBytes(length);
    assert.equal(keccakHex(new Uint8Array(bytes)), ethers.keccak256(bytes), `length ${length}`);
  }
  assert.equal(keccakHex('Transfer(address,address,uint256)'), ethers.id('Transfer(address,address,uint256)'));
});

test('ABI parameters decode as ethers encodes them (static, dynamic, nested arrays)', () => {
  const coder = ethers.AbiCoder.defaultAbiCoder();
  const types = ['address', 'uint256', 'int64', 'bool', 'bytes32', 'string', 'bytes', 'uint32[]', 'string[]', 'uint8[3]', 'address[2][]'];
  const addr = ethers.Wallet.createRandom().address;
  const values = [addr, 2n ** 200n + 7n, -5n, true, ethers.id('x'), 'héllo ✓', '0xdeadbeef', [1n, 2n, 4294967295n], ['a', '', 'long '.repeat(20)], [1n, 2n, 3n], [[addr, addr]]];
  const decoded = abi.decodeParams(types.map((type) => ({ type, name: '' })), coder.encode(types, values));
  const plain = (v) => (Array.isArray(v.value) ? v.value.map(plain) : v.value);
  assert.deepEqual(decoded.map(plain), [addr.toLowerCase(), values[1], -5n, true, values[4], values[5], values[6], values[7], values[8], values[9], [[addr.toLowerCase(), addr.toLowerCase()]]]);
});

test('truncated or lying data is an error, not a wrong value', () => {
  assert.throws(() => abi.decodeParams([{ type: 'uint256' }], '0x01'), /too short/);
  const offsetPastEnd = `0x${(1000n).toString(16).padStart(64, '0')}`;
  assert.throws(() => abi.decodeParams([{ type: 'string' }], offsetPastEnd), /out of range|too short/);
});

test('an ERC-20 Transfer log and an ERC-721 Transfer log are told apart by their indexed topics', () => {
  const erc20 = new ethers.Interface(['event Transfer(address indexed from, address indexed to, uint256 value)']);
  const erc721 = new ethers.Interface(['event Transfer(address indexed from, address indexed to, uint256 indexed tokenId)']);
  const [a, b] = [ethers.Wallet.createRandom().address, ethers.Wallet.createRandom().address];
  const log20 = erc20.encodeEventLog('Transfer', [a, b, 5n]);
  const log721 = erc721.encodeEventLog('Transfer', [a, b, 9n]);
  const d20 = abi.decodeLog({ address: a, ...log20 });
  const d721 = abi.decodeLog({ address: a, ...log721 });
  assert.deepEqual(d20.args.map((x) => [x.name, x.value]), [['from', a.toLowerCase()], ['to', b.toLowerCase()], ['value', 5n]]);
  assert.deepEqual(d721.args.map((x) => [x.name, x.value]), [['from', a.toLowerCase()], ['to', b.toLowerCase()], ['tokenId', 9n]]);
  assert.equal(abi.decodeLog({ address: a, topics: [ethers.id('Unknown()')], data: '0x' }), null);
});

test('inference precompile input and output decode with the known signature', () => {
  const iface = new ethers.Interface(['function generate(bytes32 model, string prompt, uint32 maxNewTokens, uint32 temperatureQ16, uint32 topPQ16, uint64 seed) returns (uint32[] tokens, string text)']);
  const input = iface.encodeFunctionData('generate', [ethers.id('m'), 'Once upon a time', 32, 0, 0, 7]);
  const call = abi.decodeCall('0x0000000000000000000000000000000000000a11', input);
  assert.equal(call.name, 'generate');
  assert.equal(call.args.find((x) => x.name === 'prompt').value, 'Once upon a time');
  const output = iface.encodeFunctionResult('generate', [[5, 6, 7], 'the end']);
  assert.deepEqual(abi.decodeOutput(call.fn, output).map((x) => x.name), ['tokens', 'text']);
  assert.equal(abi.decodeOutput(call.fn, output)[1].value, 'the end');
});

test('CREATE addresses equal ethers for nonces across the RLP encodings', () => {
  const from = ethers.Wallet.createRandom().address;
  for (const nonce of [0, 1, 0x7f, 0x80, 0xff, 0x100, 70000, 2 ** 32 + 5]) {
    assert.equal(createdAddress(from, nonce), ethers.getCreateAddress({ from, nonce }).toLowerCase(), `nonce ${nonce}`);
  }
});

test('rate buckets: per-second rates over the recent window, an old genesis left out', () => {
  const blocks = [{ timestamp: 0, txs: 0, gasUsed: 0 }, { timestamp: 1000, txs: 4, gasUsed: 84000 }, { timestamp: 1001, txs: 2, gasUsed: 42000 }, { timestamp: 1003, txs: 6, gasUsed: 126000 }];
  const { width, buckets } = rateBuckets(blocks, 30, 300);
  assert.equal(width, 1);
  assert.deepEqual(buckets.map((b) => b.txRate), [4, 2, 0, 6]);
  assert.deepEqual(buckets.map((b) => b.gasRate), [84000, 42000, 0, 126000]);
  const wide = rateBuckets([{ timestamp: 0, txs: 10, gasUsed: 1 }, { timestamp: 59, txs: 20, gasUsed: 1 }], 30, 300);
  assert.equal(wide.width, 2);
  assert.equal(wide.buckets.reduce((s, b) => s + b.txRate * wide.width, 0), 30, 'every transaction is counted once');
});

test('LazAI events decode: a DAT class with its kind and parents, a minted DAT', () => {
  const dat = new ethers.Interface([
    'event ClassCreated(uint256 indexed classId, uint8 kind, address indexed manager, bytes32 contentHash, string uri, uint256[] parents, uint16[] parentBps)',
    'event DATMinted(uint256 indexed tokenId, uint256 indexed classId, address indexed to, uint256 value, uint64 expireAt, uint256 shareRatio)']);
  const manager = ethers.Wallet.createRandom().address;
  const created = abi.decodeLog({ address: manager, ...dat.encodeEventLog('ClassCreated', [7, 2, manager, ethers.id('w'), 'ipfs://m', [1, 2], [6000, 4000]]) });
  assert.equal(created.name, 'ClassCreated');
  assert.deepEqual(created.args.map((a) => abi.valueText(a)), ['7', '2', manager.toLowerCase(), ethers.id('w'), '"ipfs://m"', '[1, 2]', '[6000, 4000]']);
  assert.equal(abi.knownTopic('ClassCreated'), dat.getEvent('ClassCreated').topicHash);
  const minted = abi.decodeLog({ address: manager, ...dat.encodeEventLog('DATMinted', [3, 7, manager, 10n ** 18n, 0, 5000]) });
  assert.deepEqual(minted.args.map((a) => a.name), ['tokenId', 'classId', 'to', 'value', 'expireAt', 'shareRatio']);
});
