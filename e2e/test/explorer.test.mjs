// The block explorer served by the node at GET /, in headless Chromium (playwright-core): the overview with the
// latest blocks and transactions updating live, search (block number, tx hash, address, nonsense), the transaction
// page (decoded ERC-20 Transfer log, call trace), the account page (balance, nonce, token, its transactions), the
// pool (a queued transaction), the AI page (a registered model and a decoded inference call). Screenshots go to
// artifacts/explorer-*.png.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ethers } from 'ethers';
import { compileContracts } from '../lib/compile.mjs';
import { startNode, devKeys } from '../lib/node.mjs';
import { makeTestModel } from '../lib/model.mjs';
import { launchBrowser, screenshot } from '../lib/browser.mjs';

const REGISTRY = '0x0000000000000000000000000000000000000a12';
const { dir: modelDir, bytes: modelBytes, hash: modelHash } = makeTestModel('hyperion-explorer-models-');

const node = await startNode({ extraArgs: ['--model-dir', modelDir] });
const skip = node.unavailable ? `node unavailable: ${node.unavailable}` : false;

describe('block explorer', { skip, timeout: 300_000 }, () => {
  const { contracts } = compileContracts();
  let provider, owner, other, token, transfer, payment, storyTx, browser, page;
  const errors = [];

  before(async () => {
    provider = new ethers.JsonRpcProvider(node.url, undefined, { pollingInterval: 100, cacheTimeout: -1 });
    owner = new ethers.NonceManager(new ethers.Wallet(devKeys[0], provider));
    other = new ethers.Wallet(devKeys[1], provider);
    const factory = new ethers.ContractFactory(contracts.HyperionToken.abi, contracts.HyperionToken.bytecode, owner);
    token = await factory.deploy(ethers.parseEther('1000000'));
    await token.waitForDeployment();
    transfer = await (await token.transfer(other.address, ethers.parseEther('1234.5'))).wait();
    payment = await (await owner.sendTransaction({ to: other.address, value: ethers.parseEther('1.25') })).wait();
    const registry = new ethers.Contract(REGISTRY, contracts.ModelRegistry.abi, owner);
    await (await registry.register(modelHash, modelBytes.length, 64)).wait();
    const story = await new ethers.ContractFactory(contracts.StoryTeller.abi, contracts.StoryTeller.bytecode, owner).deploy(modelHash);
    await story.waitForDeployment();
    storyTx = await (await story.write('Once upon a time', 8, 0, 0, 0)).wait();

    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  });

  after(async () => {
    await browser?.close();
    provider?.destroy();
    await node.stop?.();
    fs.rmSync(modelDir, { recursive: true, force: true });
  });

  const text = (selector) => page.locator(selector).innerText();
  const search = async (query) => {
    await page.fill('#search', query);
    await page.press('#search', 'Enter');
  };

  test('the overview shows the head, the latest blocks and transactions, and the rate', async () => {
    const head = await provider.getBlockNumber();
    await page.goto(`${node.url}/`);
    await page.locator('#stat-head').getByText(String(head), { exact: true }).waitFor();
    assert.match(await text('#stat-chain'), new RegExp(String(node.chainId)));
    assert.match(await text('#stat-client'), /Hyperion/);
    const blocks = await text('#latest-blocks');
    assert.match(blocks, new RegExp(`^${head}\\b`, 'm'), 'the newest block is listed first');
    assert.match(await text('#latest-txs'), new RegExp(storyTx.hash.slice(0, 8)));
    assert.match(await text('#rate-summary'), /tx\/s/);
    assert.equal(await page.locator('#charts svg.chart').count(), 2);
    assert.equal(await page.locator('nav a[data-page="ai"]').isVisible(), true, 'the node has the model registry');
    await page.locator('#live[data-mode="websocket"]').waitFor();
    await screenshot(page, 'explorer-home');
  });

  test('new blocks and transactions appear without a reload (newHeads over WebSocket)', async () => {
    const sent = await (await owner.sendTransaction({ to: other.address, value: 7n })).wait();
    await page.locator('#stat-head').getByText(String(sent.blockNumber), { exact: true }).waitFor({ timeout: 10_000 });
    await page.locator('#latest-txs').getByText(sent.hash.slice(0, 8)).waitFor({ timeout: 10_000 });
    assert.match(await text('#latest-blocks'), new RegExp(`^${sent.blockNumber}\\b`, 'm'));
  });

  test('search by transaction hash opens the transaction with its decoded log and call trace', async () => {
    await search(transfer.hash);
    await page.waitForURL(`**/#/tx/${transfer.hash}`);
    await page.locator('#tx-hash').waitFor();
    assert.equal(await text('#tx-hash'), transfer.hash);
    assert.match(await text('main'), /success/);
    const input = await text('#tx-input');
    assert.match(input, /transfer\(address,uint256\)/);
    assert.match(input, /1234500000000000000000/);
    const logs = await text('#tx-logs');
    assert.match(logs, /Transfer/);
    assert.match(logs, new RegExp(other.address.slice(2, 12), 'i'));
    assert.match(logs, /1234500000000000000000/);
    await page.locator('#trace .frame').first().waitFor();
    assert.match(await text('#trace'), /CALL/);
    assert.match(await text('#trace'), /transfer/);
    await screenshot(page, 'explorer-tx');
  });

  test('search by block number opens the block with its transactions', async () => {
    await search(String(transfer.blockNumber));
    await page.waitForURL(`**/#/block/${transfer.blockNumber}`);
    await page.locator('#block-txs').waitFor();
    assert.match(await text('h1'), new RegExp(`Block ${transfer.blockNumber}`));
    assert.match(await text('#block-txs'), new RegExp(transfer.hash.slice(0, 8)));
    assert.match(await text('#block-txs'), /success/);
    await screenshot(page, 'explorer-block');
  });

  test('search by address opens the account: balance, nonce, its transactions; a token shows its details', async () => {
    await search(other.address);
    await page.waitForURL(`**/#/address/${other.address}`);
    await page.locator('#account-txs table').waitFor();
    const balance = await provider.getBalance(other.address);
    const [whole, fraction] = ethers.formatEther(balance).split('.');
    const shown = `${Number(whole).toLocaleString('en-US')}${fraction.slice(0, 6).replace(/0+$/, '') ? `.${fraction.slice(0, 6).replace(/0+$/, '')}` : ''} ETH`;
    assert.equal(await text('#account-balance'), shown, 'ether to six decimals');
    assert.equal(await page.getAttribute('#account-balance', 'title'), `${balance} wei`);
    assert.equal(await text('#account-nonce'), String(await provider.getTransactionCount(other.address)));
    assert.match(await text('#account-txs'), new RegExp(payment.hash.slice(0, 8)));
    await screenshot(page, 'explorer-address');

    const tokenAddress = await token.getAddress();
    await search(tokenAddress);
    await page.locator('#token').waitFor();
    assert.match(await text('#token'), /Hyperion Token/);
    assert.match(await text('#token'), /HYP/);
    assert.match(await text('#account-txs'), new RegExp(token.deploymentTransaction().hash.slice(0, 8)), 'the creation is found');
    assert.match(await text('#account-txs'), new RegExp(transfer.hash.slice(0, 8)));
  });

  test('a search that matches nothing says so', async () => {
    await search('0x1234');
    await page.locator('#search-result').waitFor();
    assert.match(await text('#search-result'), /Nothing matches/);
    await search(`0x${'ab'.repeat(32)}`);
    await page.locator('#search-result').getByText(/Nothing matches “0xabab/).waitFor();
  });

  test('the pool page lists a queued transaction', async () => {
    const nonce = await provider.getTransactionCount(other.address);
    const gapped = await other.signTransaction(await other.populateTransaction({ to: owner.getAddress(), value: 1n, nonce: nonce + 3, chainId: node.chainId }));
    const hash = await provider.send('eth_sendRawTransaction', [gapped]);
    await page.goto(`${node.url}/#/pool`);
    await page.locator('#pool-queued').getByText(hash.slice(0, 8)).waitFor();
    assert.match(await text('#pool-pending'), /no pending transactions/);
    await screenshot(page, 'explorer-pool');
  });

  test('the AI page lists the registered model and the inference call with its prompt and output', async () => {
    await page.goto(`${node.url}/#/ai`);
    await page.locator('#inference-calls table').waitFor();
    assert.match(await text('#models'), new RegExp(modelHash.slice(2, 20)));
    const calls = await text('#inference-calls');
    assert.match(calls, new RegExp(storyTx.hash.slice(0, 8)));
    assert.match(calls, /Once upon a time/);
    await screenshot(page, 'explorer-ai');
  });

  test('the explorer talks to the node named in ?rpc=', async () => {
    await page.goto(`${node.url}/?rpc=${encodeURIComponent(`${node.url}/`)}#/block/0`);
    await page.locator('#block-txs').waitFor();
    assert.equal(await page.inputValue('#node-url'), `${node.url}/`);
    assert.match(await text('h1'), /Block 0/);
  });

  test('from another origin the explorer reaches the node through CORS (dev default: any origin)', async () => {
    const other = node.url.replace('127.0.0.1', 'localhost'); // another origin, the same node
    await page.goto(`${other}/?rpc=${encodeURIComponent(`${node.url}/`)}#/block/1`);
    await page.locator('#block-txs table').waitFor();
    assert.match(await text('h1'), /Block 1/);
    assert.equal(await page.evaluate(() => location.origin), other);
  });

  test('no script errors', () => {
    assert.deepEqual(errors, []);
  });
});
