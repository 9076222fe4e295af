// The MetisVM AI instruction end to end: a seeded random stories260K-shaped model in --model-dir, registered in the
// predeployed ModelRegistry (0x…0a12) by the dev owner, used by the StoryTeller example through the HyperionInference
// library and the precompile at 0x…0a11 — via eth_call and via a transaction. The tokens must equal `hyperion infer`
// for the same inputs; unregistered and registered-but-missing models must fail with a clear error, and a
// transaction that hits a missing model is dropped without halting the chain.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ethers } from 'ethers';
import { compileContracts } from '../lib/compile.mjs';
import { startNode, devKeys, binDir } from '../lib/node.mjs';
import { makeTestModel, hyperionInfer } from '../lib/model.mjs';

const PRECOMPILE = '0x0000000000000000000000000000000000000a11';
const REGISTRY = '0x0000000000000000000000000000000000000a12';
const { dir: modelDir, path: modelPath, bytes: modelBytes, hash: modelHash } = makeTestModel('hyperion-models-');
const infer = (prompt, maxTokens, options) => hyperionInfer(modelPath, prompt, maxTokens, options);
const GENERATE = 'generate(bytes32,string,uint32,uint32,uint32,uint64)(uint32[],string)';

/** Runs Foundry's cast; resolves to { code, stdout, stderr } whether or not it succeeds. */
const castRun = (...args) => new Promise((resolve) => {
  execFile(path.join(binDir, 'cast'), args, { timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error ? error.code ?? 1 : 0, stdout, stderr }));
});

const node = await startNode({ extraArgs: ['--model-dir', modelDir] });
const skip = node.unavailable ? `node unavailable: ${node.unavailable}` : false;

describe('inference precompile', { skip, timeout: 300_000 }, () => {
  const { contracts } = compileContracts();
  let provider, owner, other, registry, story, inference;

  before(async () => {
    provider = new ethers.JsonRpcProvider(node.url, undefined, { pollingInterval: 100, cacheTimeout: -1 });
    owner = new ethers.NonceManager(new ethers.Wallet(devKeys[0], provider));
    other = new ethers.Wallet(devKeys[1], provider);
    registry = new ethers.Contract(REGISTRY, contracts.ModelRegistry.abi, owner);
    inference = new ethers.Contract(PRECOMPILE, contracts.IHyperionInference.abi, provider);
    const factory = new ethers.ContractFactory(contracts.StoryTeller.abi, contracts.StoryTeller.bytecode, owner);
    story = await factory.deploy(modelHash);
    await story.waitForDeployment();
  });

  after(async () => {
    provider?.destroy();
    await node.stop?.();
    fs.rmSync(modelDir, { recursive: true, force: true });
  });

  test('the registry is predeployed with the compiled code and owned by the first dev account', async () => {
    assert.equal(await provider.getCode(REGISTRY), contracts.ModelRegistry.deployedBytecode,
      'ModelRegistry changed: run node scripts/model-registry-code.mjs');
    assert.equal(await registry.owner(), new ethers.Wallet(devKeys[0]).address);
  });

  test('an unregistered model reverts with the reason, as ethers and cast show it', async () => {
    const reason = `inference precompile: model ${modelHash} is not registered in ${REGISTRY}`;
    const saysWhy = (e) => { assert.equal(e.reason, reason); return true; };
    await assert.rejects(story.preview('Once upon a time', 8, 0, 0, 0), saysWhy, 'bubbled up through the contract');
    await assert.rejects(inference.generate(modelHash, 'Once upon a time', 8, 0, 0, 0), saysWhy);
    const failed = await castRun('call', '--rpc-url', node.url, PRECOMPILE, GENERATE, modelHash, 'Once', '8', '0', '0', '0');
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, new RegExp(`execution reverted: ${reason}`, 'i'));
  });

  test('only the owner registers; registration emits an event', async () => {
    await assert.rejects(registry.connect(other).register(modelHash, modelBytes.length, 64), /NotOwner|execution reverted/);
    const receipt = await (await registry.register(modelHash, modelBytes.length, 64)).wait();
    const event = receipt.logs.map((l) => registry.interface.parseLog(l)).find((e) => e?.name === 'ModelRegistered');
    assert.equal(event.args.hash, modelHash);
    assert.equal(event.args.sizeBytes, BigInt(modelBytes.length));
    assert.equal(await registry.isRegistered(modelHash), true);
  });

  test('too many tokens reverts with the limit, for a call and for a transaction cast would send', async () => {
    const saysWhy = (e) => { assert.equal(e.reason, 'inference precompile: maxNewTokens 513 outside 1..512'); return true; };
    await assert.rejects(inference.generate(modelHash, 'Once', 513, 0, 0, 0), saysWhy);
    const send = await castRun('send', '--rpc-url', node.url, '--private-key', devKeys[1], PRECOMPILE, GENERATE, modelHash, 'Once', '513', '0', '0', '0');
    assert.notEqual(send.code, 0);
    assert.match(send.stderr, /maxNewTokens 513 outside 1\.\.512/);
  });

  test('eth_call: greedy and sampled generation equal `hyperion infer`', async () => {
    const [greedyTokens, greedyText] = infer('Once upon a time', 24);
    const [tokens, text] = await story.preview('Once upon a time', 24, 0, 0, 0);
    assert.deepEqual(tokens.map(Number), greedyTokens);
    assert.equal(text, greedyText);

    // temperature 0.75 and top-p 0.5 are exact in Q16 (49152, 32768)
    const [sampled] = infer('Once upon a time', 24, { temperature: '0.75', topP: '0.5', seed: 7 });
    const [direct] = await inference.generate(modelHash, 'Once upon a time', 24, 49152, 32768, 7);
    assert.deepEqual(direct.map(Number), sampled);
  });

  test('token-id prompts: [BOS] alone equals `hyperion infer` with an empty prompt', async () => {
    const [expected, expectedText] = infer('', 20, { temperature: '0.75', topP: '0.5', seed: 11 });
    const [tokens, text] = await inference.generateFromTokens(modelHash, [1], 20, 49152, 32768, 11);
    assert.deepEqual(tokens.map(Number), expected);
    assert.equal(text, expectedText);
    await assert.rejects(inference.generateFromTokens(modelHash, [512], 4, 0, 0, 0)); // outside the vocabulary
    await assert.rejects(inference.generateFromTokens(modelHash, [], 4, 0, 0, 0)); // empty prompt
  });

  test('a transaction stores the story and emits it; gas covers the up-front charge', async () => {
    const [expected, expectedText] = infer('The little dog', 16, { temperature: '0.75', topP: '0.5', seed: 3 });
    const tx = await story.write('The little dog', 16, 49152, 32768, 3);
    const receipt = await tx.wait();
    assert.equal(receipt.status, 1);
    const event = receipt.logs.map((l) => story.interface.parseLog(l)).find((e) => e?.name === 'StoryWritten');
    assert.deepEqual(event.args.tokens.map(Number), expected);
    assert.equal(event.args.text, expectedText);
    const [author, prompt, text, tokens] = await story.story(0);
    assert.equal(author, new ethers.Wallet(devKeys[0]).address);
    assert.equal(prompt, 'The little dog');
    assert.equal(text, expectedText);
    assert.deepEqual(tokens.map(Number), expected);
    assert.ok(receipt.gasUsed > 50_000n + 16n * 4000n, `gas used ${receipt.gasUsed}`);
  });

  test('too little gas fails the call like any out-of-gas', async () => {
    await assert.rejects(story.preview('Once upon a time', 200, 0, 0, 0, { gasLimit: 300_000 }));
  });

  test('limits: zero or too many new tokens fail the call', async () => {
    await assert.rejects(inference.generate(modelHash, 'Once', 0, 0, 0, 0));
    await assert.rejects(inference.generate(modelHash, 'Once', 513, 0, 0, 0));
  });

  test('a registered model missing from the model directory: clear RPC error, the transaction is dropped, the chain goes on', async () => {
    const missing = ethers.keccak256(ethers.toUtf8Bytes('a model nobody has'));
    await (await registry.register(missing, 1234, 64)).wait();
    const factory = new ethers.ContractFactory(contracts.StoryTeller.abi, contracts.StoryTeller.bytecode, owner);
    const orphan = await factory.deploy(missing);
    await orphan.waitForDeployment();

    // The JSON-RPC error names the hash (ethers folds it into a CALL_EXCEPTION, so read it raw).
    const call = { to: await orphan.getAddress(), data: orphan.interface.encodeFunctionData('preview', ['Once', 4, 0, 0, 0]) };
    await assert.rejects(node.rpc('eth_call', [call, 'latest']), new RegExp(`registered model ${missing}.*not in the model directory`));
    await assert.rejects(node.rpc('eth_estimateGas', [{ ...call, from: await owner.getAddress() }]), /not in the model directory/);
    await assert.rejects(orphan.preview('Once', 4, 0, 0, 0));

    // Sent with an explicit gas limit (no estimate): the sequencer drops it and keeps producing blocks. From another
    // account, so the owner's nonces stay contiguous.
    const sent = await orphan.connect(other).write('Once', 4, 0, 0, 0, { gasLimit: 2_000_000 });
    const next = await (await registry.deregister(missing)).wait();
    assert.equal(next.status, 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await provider.getTransactionReceipt(sent.hash), null);
    assert.match(node.output(), new RegExp(`dropped transaction ${sent.hash}.*${missing.slice(2)}`));
  });
});
