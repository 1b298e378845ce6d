/** Newline handling shared by the functions that write to Firehose, where records are often concatenated. */

const NEWLINE = 0x0a;

/** The bytes, ending with one newline: one is added unless the last byte already is one. */
export function newlineTerminated(bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength > 0 && bytes[bytes.byteLength - 1] === NEWLINE) return bytes;
  const terminated = new Uint8Array(bytes.byteLength + 1);
  terminated.set(bytes);
  terminated[bytes.byteLength] = NEWLINE;
  return terminated;
}
