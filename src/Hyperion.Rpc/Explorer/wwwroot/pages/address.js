// An account: balance, nonce, code (with token details when it is an ERC-20), its transactions in the recent
// blocks, and an ABI the user can give so that its calls and logs are decoded everywhere.
import { el, num, ether, units, fields, section, hexBlock, toNumber, knownAddresses, hexToBytes, bytesToHex } from '../format.js';
import { abiFor, saveAbi, forgetAbi, decodeParams } from '../abi.js';
import { keccakHex } from '../keccak.js';
import { txTable } from './shared.js';

const SCAN = 200; // blocks scanned per step for the account's transactions

export async function render(ctx, address) {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new Error(`not an address: ${address}`);
  const { rpc } = ctx;
  const [balance, nonce, code, head] = await rpc.batch([
    ['eth_getBalance', [address, 'latest']], ['eth_getTransactionCount', [address, 'latest']], ['eth_getCode', [address, 'latest']], ['eth_blockNumber']]);
  for (const a of [balance, nonce, code, head]) if (a.error) throw a.error;
  const isContract = code.result !== '0x';
  const label = knownAddresses[address.toLowerCase()];

  const found = [];
  const txList = el('div', { id: 'account-txs' });
  const scanStatus = el('p', { class: 'muted', id: 'scan-status' });
  let next = toNumber(head.result);
  const lowest = () => next + 1;
  const more = el('button', { type: 'button', id: 'scan-more', onclick: () => scan(SCAN * 5) }, 'scan further back');
  async function scan(count) {
    more.disabled = true;
    const from = Math.max(0, next - count + 1);
    const numbers = [];
    for (let n = next; n >= from; n--) numbers.push(n);
    const answers = await rpc.batches(numbers.map((n) => ['eth_getBlockByNumber', [`0x${n.toString(16)}`, true]]));
    const me = address.toLowerCase();
    for (const a of answers) {
      for (const tx of a.result?.transactions ?? []) {
        const created = tx.to ? null : createdAddress(tx.from, toNumber(tx.nonce));
        if (tx.from.toLowerCase() === me || tx.to?.toLowerCase() === me || created === me) found.push(tx);
      }
    }
    next = from - 1;
    txList.replaceChildren(txTable(found, 'no transactions in the blocks scanned'));
    scanStatus.textContent = `Blocks ${num(lowest())} to ${num(toNumber(head.result))} scanned: ${found.length} transaction(s) from, to or creating this account.`;
    more.disabled = next < 0;
    more.hidden = next < 0;
  }

  const node = el('div', {},
    el('h1', {}, isContract ? 'Contract' : 'Account', label ? ` · ${label}` : ''),
    section('Overview', fields([
      ['Address', el('span', { class: 'mono', id: 'account-address' }, address)],
      ['Balance', el('span', { id: 'account-balance', title: `${BigInt(balance.result)} wei` }, ether(balance.result))],
      ['Nonce', el('span', { id: 'account-nonce' }, num(nonce.result))],
      ['Code', isContract ? `${num((code.result.length - 2) / 2)} bytes` : 'none (an externally owned account)'],
    ])),
    isContract ? await tokenSection(rpc, address) : null,
    isContract ? section('Code', el('details', {}, el('summary', {}, 'bytecode'), hexBlock(code.result))) : null,
    isContract ? abiSection(address) : null,
    section('Transactions', scanStatus, txList, more));
  await scan(SCAN);
  return { node, title: `Address ${address.slice(0, 10)}` };
}

/** ERC-20 details when the contract answers name(), symbol(), decimals() and totalSupply(). */
async function tokenSection(rpc, address) {
  const selectors = { name: '0x06fdde03', symbol: '0x95d89b41', decimals: '0x313ce567', totalSupply: '0x18160ddd' };
  const answers = await rpc.batch(Object.values(selectors).map((data) => ['eth_call', [{ to: address, data }, 'latest']]));
  if (answers.some((a) => a.error || !a.result || a.result === '0x')) return null;
  try {
    const [name, symbol] = [answers[0], answers[1]].map((a) => decodeParams([{ type: 'string' }], a.result)[0].value);
    const decimals = Number(decodeParams([{ type: 'uint8' }], answers[2].result)[0].value);
    const supply = decodeParams([{ type: 'uint256' }], answers[3].result)[0].value;
    return section('Token (ERC-20)', el('div', { id: 'token' }, fields([
      ['Name', name], ['Symbol', symbol], ['Decimals', String(decimals)], ['Total supply', `${units(supply, decimals)} ${symbol}`]])));
  } catch { return null; }
}

function abiSection(address) {
  const known = abiFor(address);
  const area = el('textarea', { rows: 4, placeholder: 'Paste the contract\'s ABI (JSON) or a compiler artifact to decode its calls and logs', id: 'abi-input' });
  const note = el('p', { class: 'muted' }, known ? `This browser knows an ABI of ${known.length} entries for this contract.` : '');
  const save = el('button', { type: 'button', onclick: () => {
    try { note.textContent = `Saved: ${saveAbi(address, area.value)} entries. Calls and logs of this contract are now decoded.`; } catch (e) { note.textContent = e.message; }
  } }, 'save ABI');
  const forget = el('button', { type: 'button', onclick: () => { forgetAbi(address); note.textContent = 'Forgotten.'; } }, 'forget');
  return section('ABI', note, area, el('div', {}, save, ' ', known ? forget : null));
}

/** The address a CREATE from `sender` with `nonce` makes: keccak256(rlp([sender, nonce]))[12:]. */
export function createdAddress(sender, nonce) {
  const n = [];
  for (let v = BigInt(nonce); v > 0n; v >>= 8n) n.unshift(Number(v & 0xffn));
  const nonceRlp = n.length === 0 ? [0x80] : n.length === 1 && n[0] < 0x80 ? n : [0x80 + n.length, ...n];
  const body = [0x94, ...hexToBytes(sender), ...nonceRlp];
  return bytesToHex(hexToBytes(keccakHex(new Uint8Array([0xc0 + body.length, ...body]))).subarray(12));
}
