// Pieces more than one page shows: transaction rows, decoded arguments and logs, the call trace.
import { el, addressLink, txLink, blockLink, ether, num, short, table, toNumber } from '../format.js';
import { decodeLog, decodeCall, decodeOutput, valueText } from '../abi.js';

export const INFERENCE = '0x0000000000000000000000000000000000000a11';

/** A row of the transactions tables: hash, block, from, to (or the contract created), value, method. */
export function txRow(tx) {
  const call = tx.to ? decodeCall(tx.to, tx.input) : null;
  return [
    txLink(tx.hash),
    tx.blockNumber ? blockLink(toNumber(tx.blockNumber)) : el('span', { class: 'badge pending' }, 'pending'),
    addressLink(tx.from),
    tx.to ? addressLink(tx.to) : el('span', { class: 'badge' }, 'create'),
    ether(tx.value),
    el('span', { class: 'method' }, methodName(tx, call)),
  ];
}

/** What a transaction does, in a word: the decoded function, its selector, a deployment or a plain transfer. */
export function methodName(tx, call = tx.to ? decodeCall(tx.to, tx.input) : null) {
  if (!tx.to) return 'deploy';
  if (call) return call.name;
  return tx.input && tx.input.length >= 10 ? tx.input.slice(0, 10) : 'transfer';
}

export const txTable = (txs, empty) => table(['hash', 'block', 'from', 'to', 'value', 'method'], txs.map(txRow), empty);

/** Decoded arguments as a small table: name, type, value (addresses link to their page). */
export function argsTable(args) {
  return el('table', { class: 'args' }, el('tbody', {}, args.map((a) => el('tr', {},
    el('td', { class: 'muted' }, a.name || '·'),
    el('td', { class: 'muted mono' }, a.type),
    el('td', { class: 'mono value' }, a.type === 'address' ? addressLink(a.value, 20) : valueText(a))))));
}

/** One log: emitting address, then the decoded event (name and arguments) or its raw topics and data. */
export function logView(log) {
  const decoded = decodeLog(log);
  return el('div', { class: 'log' },
    el('div', { class: 'log-head' }, el('span', { class: 'muted' }, `#${toNumber(log.logIndex)} `), addressLink(log.address, 20),
      decoded ? el('span', { class: 'event' }, ` ${decoded.name}`) : el('span', { class: 'muted' }, ' (unknown event)')),
    decoded ? argsTable(decoded.args)
      : el('div', { class: 'raw' }, log.topics.map((t, i) => el('div', { class: 'mono' }, `topic${i} ${t}`)), el('div', { class: 'mono hexwrap' }, `data ${log.data}`)));
}

/** The callTracer tree, one line per frame, indented by depth; inference precompile calls decoded. */
export function callTree(frame, depth = 0) {
  const call = decodeCall(frame.to, frame.input);
  const output = call && !frame.error ? decodeOutput(call.fn, frame.output) : null;
  const isInference = frame.to?.toLowerCase() === INFERENCE;
  const line = el('div', { class: `frame${frame.error ? ' failed' : ''}${isInference ? ' inference' : ''}`, style: { marginLeft: `${depth * 1.25}rem` } },
    el('span', { class: 'badge' }, frame.type), ' ', addressLink(frame.from), ' → ', addressLink(frame.to), ' ',
    el('span', { class: 'method' }, call ? call.name : frame.input && frame.input.length >= 10 ? frame.input.slice(0, 10) : ''),
    frame.value && BigInt(frame.value) > 0n ? el('span', {}, ` ${ether(frame.value)}`) : null,
    el('span', { class: 'muted' }, ` gas ${num(frame.gasUsed)}`),
    frame.error ? el('span', { class: 'error' }, ` ${frame.error}${frame.revertReason ? `: ${frame.revertReason}` : ''}`) : null);
  const details = [];
  if (call && call.args.length > 0 && (isInference || depth === 0)) details.push(argsTable(call.args));
  if (output) details.push(el('div', { class: 'muted' }, 'returned'), argsTable(output));
  return [el('div', {}, line, details.length ? el('div', { class: 'frame-details', style: { marginLeft: `${depth * 1.25 + 1}rem` } }, details) : null),
    ...(frame.calls ?? []).flatMap((c) => callTree(c, depth + 1))];
}

/** Frames of a trace that call the inference precompile, each with its decoded request and result. */
export function inferenceFrames(frame, out = []) {
  if (frame.to?.toLowerCase() === INFERENCE) {
    const call = decodeCall(frame.to, frame.input);
    out.push({ frame, call, output: call && !frame.error ? decodeOutput(call.fn, frame.output) : null });
  }
  for (const c of frame.calls ?? []) inferenceFrames(c, out);
  return out;
}

export const shortHash = (h) => el('span', { class: 'mono', title: h }, short(h, 8));
