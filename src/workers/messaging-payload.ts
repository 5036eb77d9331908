/**
 * What the worker-messaging scenario and its echo worker agree on: the messages, the payloads, their
 * checksum, and the layout and states of the SharedArrayBuffer handoff.
 */

/** A record of the object payload: clone cost depends on shape, not only size (PITFALLS 9). */
export interface PayloadRecord {
  id: number;
  name: string;
  value: number;
}

/** about the JSON size of one PayloadRecord, to give the object payload the byte size asked for */
const RECORD_BYTES = 48;

/** What the scenario posts to the echo worker. */
export type EchoMessage =
  | { kind: 'echo'; data: unknown }
  | { kind: 'transfer'; data: ArrayBuffer }
  | { kind: 'shared'; buffer: SharedArrayBuffer };

/** bytes 0..7 of the shared buffer: [state, checksum]; the payload follows */
export const SHARED_HEADER_BYTES = 8;
/** the state word of the shared buffer: the main thread sets ping/check/stop, the worker answers idle */
export const SharedState = { idle: 0, ping: 1, check: 2, stop: 3 } as const;

export function fillPattern(bytes: Uint8Array): Uint8Array {
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}

export function patternBytes(size: number): Uint8Array {
  return fillPattern(new Uint8Array(size));
}

/** true when `bytes` holds exactly the pattern of its length */
export function hasPattern(bytes: Uint8Array, size: number): boolean {
  if (bytes.length !== size) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== ((i * 31 + 7) & 0xff)) return false;
  return true;
}

/** an order-sensitive 31-bit checksum */
export function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) sum = (Math.imul(sum, 31) + bytes[i]) | 0;
  return sum & 0x7fffffff;
}

export function payloadRecords(size: number): PayloadRecord[] {
  const count = Math.max(1, Math.round(size / RECORD_BYTES));
  return Array.from({ length: count }, (_, id) => ({ id, name: `item-${String(id).padStart(6, '0')}`, value: id / 7 }));
}
