// `hyperion mcp` driven by the official TypeScript MCP client (@modelcontextprotocol/sdk), over stdio and over
// Streamable HTTP: tools listed, chain reads, on-chain inference equal to `hyperion infer`, LazAI DAT classes and
// usage recorded by a paid inference, a transaction within the key's limits, and errors as MCP tool errors.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { ethers } from 'ethers';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { compileContracts } from '../lib/compile.mjs';
import { freePort, startNode, devKeys } from '../lib/node.mjs';
import { lazaiSetup } from '../lib/lazai.mjs';
import { makeTestModel, hyperionInfer, hyperion } from '../lib/model.mjs';

const model = makeTestModel('hyperion-mcp-');
const node = await startNode({ extraArgs: ['--model-dir', model.dir] });
const skip = node.unavailable ? `node unavailable: ${node.unavailable}` : false;

/** The tool's JSON answer (the server returns one text block). */
const json = (result) => {
  assert.notEqual(result.isError, true, result.content?.[0]?.text);
  return JSON.parse(result.content[0].text);
};
const errorText = (result) => {
  assert.equal(result.isError, true, `expected a tool error, got ${result.content?.[0]?.text}`);
  return result.content[0].text;
};

describe('hyperion mcp', { skip, timeout: 240_000 }, () => {
  const { contracts } = compileContracts();
  let provider, owner, dat, market, modelClass, datasetClass, client;
  const spender = new ethers.Wallet(devKeys[1]);

  before(async () => {
    let deploy, wait;
    ({ provider, owner, deploy, wait } = await lazaiSetup(node, model, contracts));
    dat = await deploy('DataAnchoredToken');
    market = await deploy('InferenceMarket', dat.target, ethers.Wallet.createRandom().address, 500);
    await wait(dat.createClass(1, ethers.id('dataset'), 'ipfs://dataset', [], []));
    await wait(dat.createClass(2, model.hash, 'ipfs://model', [1], [2500]));
    [datasetClass, modelClass] = [1n, 2n];
    await wait(dat.mintDAT(await owner.getAddress(), datasetClass, 0, 0, 1));
    await wait(dat.mintDAT(await owner.getAddress(), modelClass, 0, 0, 1));
    for (const c of [datasetClass, modelClass]) await wait(dat.setRecorder(c, market.target, true));
    await wait(dat.setPrice(modelClass, 1000));
    await wait(market.infer(modelClass, 'Once', { maxNewTokens: 4, temperatureQ16: 0, topPQ16: 0, seed: 0 }, { value: 1000 }));

    client = new Client({ name: 'hyperion-e2e', version: '1.0.0' });
    await client.connect(new StdioClientTransport({
      command: hyperion,
      args: ['mcp', '--rpc', node.url, '--spend-limit-wei', '1000000000000000', '--tx-limit-wei', '500000000000000'],
      env: { ...process.env, HYPERION_MCP_KEY: devKeys[1] },
      stderr: 'pipe',
    }));
  });

  after(async () => {
    await client?.close();
    provider?.destroy();
    await node.stop?.();
    fs.rmSync(model.dir, { recursive: true, force: true });
  });

  test('lists the chain tools with their input schemas', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(),
      ['call', 'chain_info', 'dat_class', 'dat_usage', 'get_balance', 'get_block', 'get_logs', 'infer', 'send_transaction']);
    const infer = tools.find((t) => t.name === 'infer');
    assert.deepEqual(infer.inputSchema.required.sort(), ['model', 'prompt']);
    assert.equal(tools.find((t) => t.name === 'get_balance').annotations?.readOnlyHint, true);
  });

  test('reads DAT classes with provenance, revenue and recorded usage', async () => {
    const cls = json(await client.callTool({ name: 'dat_class', arguments: { dat: dat.target, classId: '2' } }));
    assert.equal(cls.kind, 'model');
    assert.equal(cls.contentHash, model.hash);
    assert.deepEqual(cls.parents, ['1']);
    assert.deepEqual(cls.parentBps, [2500]);
    assert.equal(cls.pricePerUseWei, '1000');
    assert.equal(cls.usageCount, '1');
    // 1000 wei: 50 protocol, 950 rest → dataset 237 (25 %, rounded down), model 713
    assert.equal(cls.totalRevenueWei, '713');
    assert.equal(json(await client.callTool({ name: 'dat_class', arguments: { dat: dat.target, classId: '1' } })).totalRevenueWei, '237');
    const usage = json(await client.callTool({ name: 'dat_usage', arguments: { dat: dat.target, classId: '1', user: await owner.getAddress() } }));
    assert.equal(usage.uses, '1');
  });

  test('infer equals `hyperion infer`; chain reads answer', async () => {
    const [expected, text] = hyperionInfer(model.path, 'Once upon a time', 12, { temperature: '0.75', topP: '0.5', seed: 7 });
    const result = json(await client.callTool({ name: 'infer', arguments: { model: model.hash, prompt: 'Once upon a time', maxNewTokens: 12, temperature: '0.75', topP: '0.5', seed: 7 } }));
    assert.deepEqual(result.tokens, expected);
    assert.equal(result.text, text);
    const info = json(await client.callTool({ name: 'chain_info', arguments: {} }));
    assert.equal(info.chainId, String(node.chainId));
    assert.equal(info.account.toLowerCase(), spender.address.toLowerCase());
    const logs = json(await client.callTool({ name: 'get_logs', arguments: { fromBlock: '0', address: market.target } }));
    assert.equal(logs.length, 2); // FeesSplit and InferenceRecorded
  });

  test('send_transaction signs with the configured key within its limits', async () => {
    const to = ethers.Wallet.createRandom().address;
    const sent = json(await client.callTool({ name: 'send_transaction', arguments: { to, valueWei: '777' } }));
    assert.equal(sent.status, 'success');
    assert.equal(await provider.getBalance(to), 777n);
    const tx = await provider.getTransaction(sent.transactionHash);
    assert.equal(tx.from, spender.address);
    assert.match(errorText(await client.callTool({ name: 'send_transaction', arguments: { to, valueWei: '600000000000000' } })), /per-transaction limit/);
  });

  test('errors are MCP tool errors with clear text', async () => {
    assert.match(errorText(await client.callTool({ name: 'get_balance', arguments: { address: '0xabc' } })), /is not an address/);
    assert.match(errorText(await client.callTool({ name: 'dat_class', arguments: { dat: dat.target, classId: '99' } })), /node refused/);
    assert.match(errorText(await client.callTool({ name: 'infer', arguments: { model: ethers.ZeroHash, prompt: 'Once' } })), /node refused/);
    assert.match(errorText(await client.callTool({ name: 'call', arguments: { to: dat.target, data: '0x123' } })), /whole bytes/);
    await assert.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }), /no_such_tool|not found|Unknown tool/i);
  });

  test('Streamable HTTP serves the same tools', async () => {
    const port = await freePort();
    const server = spawn(hyperion, ['mcp', '--rpc', node.url, '--http', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    server.stderr.on('data', (d) => { stderr += d; });
    try {
      const deadline = Date.now() + 60_000;
      while (!stderr.includes('Streamable HTTP on') && Date.now() < deadline && server.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      assert.match(stderr, /Streamable HTTP on http:\/\/127\.0\.0\.1:\d+\/mcp/);
      const http = new Client({ name: 'hyperion-e2e-http', version: '1.0.0' });
      await http.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
      assert.equal((await http.listTools()).tools.length, 9);
      const info = json(await http.callTool({ name: 'chain_info', arguments: {} }));
      assert.equal(info.account, null); // no key: read-only
      assert.match(errorText(await http.callTool({ name: 'send_transaction', arguments: { to: spender.address } })), /needs a key/);
      await http.close();
    } finally {
      server.kill('SIGTERM');
    }
  });
});
