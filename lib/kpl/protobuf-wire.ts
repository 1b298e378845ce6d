/**
 * The few protocol-buffer wire rules the KPL's `AggregatedRecord` needs: varints and
 * length-delimited fields. Hand-written rather than protobufjs because the message has
 * five field kinds, and protobufjs would add a runtime dependency that builds its codecs
 * with `new Function` (blocked under some Lambda code-signing and CSP setups) for a
 * codec of about a hundred lines.
 */
import { AsyncSinkError } from '../core/errors.js';

/** Protobuf wire types (the low three bits of a field's tag). */
export const WireType = { Varint: 0, Fixed64: 1, LengthDelimited: 2, Fixed32: 5 } as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

/** Bytes a varint of `value` takes (`value` a non-negative safe integer). */
export function varintSize(value: number): number {
  let size = 1;
  // Division, not `>>>`: indexes and lengths may exceed 2^31 in principle and shifts are 32-bit.
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** Bytes a length-delimited field of `length` payload bytes takes, tag included (one-byte tags only). */
export function lengthDelimitedSize(length: number): number {
  return 1 + varintSize(length) + length;
}

/** Appends protobuf fields to a buffer sized exactly up front, so encoding allocates once. */
export class ProtobufWriter {
  private offset = 0;

  constructor(readonly bytes: Uint8Array) {}

  /** Bytes written so far. */
  get length(): number {
    return this.offset;
  }

  tag(field: number, wireType: WireType): void {
    this.varint(field * 8 + wireType);
  }

  varint(value: number): void {
    while (value >= 0x80) {
      this.bytes[this.offset++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.bytes[this.offset++] = value;
  }

  raw(bytes: Uint8Array): void {
    this.bytes.set(bytes, this.offset);
    this.offset += bytes.length;
  }

  lengthDelimited(field: number, bytes: Uint8Array): void {
    this.tag(field, WireType.LengthDelimited);
    this.varint(bytes.length);
    this.raw(bytes);
  }
}

/** Thrown by {@link ProtobufReader} on bytes that are not a well-formed protobuf message. */
export class ProtobufWireError extends AsyncSinkError {
  override readonly name = 'ProtobufWireError';
  readonly code = 'PROTOBUF_WIRE';
}

/** Reads protobuf fields from a byte range, checking every length against the bytes left. */
export class ProtobufReader {
  private offset: number;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    private readonly end = bytes.length,
  ) {
    this.offset = start;
  }

  get done(): boolean {
    return this.offset >= this.end;
  }

  /** The next field's number and wire type. */
  tag(): { field: number; wireType: number } {
    const key = this.varint();
    const field = Math.floor(key / 8);
    if (field === 0) throw new ProtobufWireError(`field number 0 at byte ${this.offset}`);
    return { field, wireType: key % 8 };
  }

  /** A varint as a number; more than 2^53 cannot be an index or a length here, so it is refused. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let index = 0; index < 10; index++) {
      if (this.offset >= this.end) throw new ProtobufWireError('varint runs past the end of the message');
      const byte = this.bytes[this.offset++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (!Number.isSafeInteger(value)) throw new ProtobufWireError(`varint ${value} is too large`);
        return value;
      }
      scale *= 128;
    }
    throw new ProtobufWireError('varint longer than 10 bytes');
  }

  /** A length-delimited field's payload as [start, end) offsets into the message bytes. */
  lengthDelimited(): [start: number, end: number] {
    const length = this.varint();
    const start = this.offset;
    if (length > this.end - start) {
      throw new ProtobufWireError(`field of ${length} bytes runs past the end of the message`);
    }
    this.offset = start + length;
    return [start, this.offset];
  }

  /** Skips a field of a number this reader does not know, as protobuf requires of readers. */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.Varint:
        this.varint();
        return;
      case WireType.Fixed64:
        this.advance(8);
        return;
      case WireType.LengthDelimited:
        this.lengthDelimited();
        return;
      case WireType.Fixed32:
        this.advance(4);
        return;
      default:
        // Groups (3, 4) were never used by the KPL and 6, 7 do not exist.
        throw new ProtobufWireError(`unsupported wire type ${wireType}`);
    }
  }

  private advance(count: number): void {
    if (count > this.end - this.offset) throw new ProtobufWireError('field runs past the end of the message');
    this.offset += count;
  }
}
