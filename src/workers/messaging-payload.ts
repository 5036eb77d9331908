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

/**
 * The object payload of `size` bytes: the fewest records whose JSON text is at least that long. A
 * record's JSON length varies with its id (`value` is id / 7), so it is counted, not assumed: a
 * fixed 48 bytes a record made the payloads 18-21% larger than asked.
 */
export function payloadRecords(size: number): PayloadRecord[] {
  const records: PayloadRecord[] = [];
  // '[' and ']', less the comma the first record does not take
  let jsonBytes = 1;
  while (records.length === 0 || jsonBytes < size) {
    const id = records.length;
    const record = { id, name: `item-${String(id).padStart(6, '0')}`, value: id / 7 };
    jsonBytes += JSON.stringify(record).length + 1;
    records.push(record);
  }
  return records;
}
