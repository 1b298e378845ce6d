import { createHash } from 'node:crypto';
import { KplFormatError } from './kpl-format-error.js';
import {
  lengthDelimitedSize,
  ProtobufReader,
  ProtobufWireError,
  ProtobufWriter,
  varintSize,
  WireType,
} from './protobuf-wire.js';

/**
 * The KPL aggregated record format (amazon-kinesis-producer's `aggregation-format.md`):
 *
 *   F3 89 9A C2 | protobuf AggregatedRecord | MD5 of the protobuf bytes (16 bytes)
 *
 *   message AggregatedRecord {
 *     repeated string partition_key_table     = 1;
 *     repeated string explicit_hash_key_table = 2;
 *     repeated Record records                 = 3;
 *   }
 *   message Record {
 *     required uint64 partition_key_index     = 1;
 *     optional uint64 explicit_hash_key_index = 2;
 *     required bytes  data                    = 3;
 *     repeated Tag    tags                    = 4;
 *   }
 *   message Tag { required string key = 1; optional string value = 2; }
 */

/** The four bytes every KPL aggregated record starts with. */
export const KPL_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);

const CHECKSUM_BYTES = 16;

/** Bytes an aggregated record adds around its protobuf message: the magic and the MD5. */
export const KPL_FRAMING_BYTES = KPL_MAGIC.length + CHECKSUM_BYTES;

/** A KPL record tag; the KPL writes none, but the format allows them and they survive a round trip. */
export interface KplTag {
  readonly key: string;
  readonly value?: string;
}

/** One user record inside a KPL aggregated record. */
export interface KplUserRecord {
  readonly partitionKey: string;
  /** The decimal 128-bit hash key that picks the shard instead of the partition key's MD5. */
  readonly explicitHashKey?: string;
  readonly data: Uint8Array;
  readonly tags?: readonly KplTag[];
}

// Field numbers of the three messages, from the .proto above.
const AggregatedField = { PartitionKeyTable: 1, ExplicitHashKeyTable: 2, Records: 3 } as const;
const RecordField = { PartitionKeyIndex: 1, ExplicitHashKeyIndex: 2, Data: 3, Tags: 4 } as const;
const TagField = { Key: 1, Value: 2 } as const;

const utf8Encoder = new TextEncoder();
// fatal: a protobuf string must be UTF-8; replacing bad bytes would silently change a key.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

interface EncodedTag {
  readonly key: Uint8Array;
  readonly value: Uint8Array | undefined;
}

interface PendingRecord {
  readonly partitionKeyIndex: number;
  readonly explicitHashKeyIndex: number | undefined;
  readonly data: Uint8Array;
  readonly tags: readonly EncodedTag[];
  /** The Record message's own size, without its tag and length prefix. */
  readonly size: number;
}

function encodeTags(tags: readonly KplTag[] | undefined): EncodedTag[] {
  if (tags === undefined || tags.length === 0) return [];
  return tags.map((tag) => ({
    key: utf8Encoder.encode(tag.key),
    value: tag.value === undefined ? undefined : utf8Encoder.encode(tag.value),
  }));
}

function tagMessageSize(tag: EncodedTag): number {
  return (
    lengthDelimitedSize(tag.key.length) +
    (tag.value === undefined ? 0 : lengthDelimitedSize(tag.value.length))
  );
}

function recordMessageSize(
  partitionKeyIndex: number,
  explicitHashKeyIndex: number | undefined,
  dataLength: number,
  tags: readonly EncodedTag[],
): number {
  let size = 1 + varintSize(partitionKeyIndex);
  if (explicitHashKeyIndex !== undefined) size += 1 + varintSize(explicitHashKeyIndex);
  size += lengthDelimitedSize(dataLength);
  for (const tag of tags) size += lengthDelimitedSize(tagMessageSize(tag));
  return size;
}

/** Index of `key` in a key table, and the bytes adding it would cost when it is new. */
class KeyTable {
  readonly indexes = new Map<string, number>();
  readonly encoded: Uint8Array[] = [];

  /** Bytes the table grows by if `key` is added: zero when it is already there. */
  growth(key: string): number {
    return this.indexes.has(key) ? 0 : lengthDelimitedSize(Buffer.byteLength(key, 'utf8'));
  }

  /** The index `key` has or would get. */
  indexOf(key: string): number {
    return this.indexes.get(key) ?? this.encoded.length;
  }

  add(key: string): { index: number; growth: number } {
    const known = this.indexes.get(key);
    if (known !== undefined) return { index: known, growth: 0 };
    const bytes = utf8Encoder.encode(key);
    const index = this.encoded.length;
    this.indexes.set(key, index);
    this.encoded.push(bytes);
    return { index, growth: lengthDelimitedSize(bytes.length) };
  }
}

/**
 * Packs user records into one KPL aggregated record, knowing its exact encoded size at
 * every step, so that a producer can fill a Kinesis record up to a limit without
 * encoding twice. Partition and explicit hash keys are stored once each, as the KPL does.
 */
export class AggregatedRecordBuilder {
  private partitionKeys = new KeyTable();
  private explicitHashKeys = new KeyTable();
  private records: PendingRecord[] = [];
  private protobufSize = 0;

  /** User records added so far. */
  get count(): number {
    return this.records.length;
  }

  /** Bytes of the aggregated record as it stands: magic, protobuf message and MD5. */
  get size(): number {
    return KPL_FRAMING_BYTES + this.protobufSize;
  }

  /** Bytes the aggregated record would have with `record` added; adds nothing. */
  sizeWith(record: KplUserRecord): number {
    const tags = encodeTags(record.tags);
    const hasHashKey = record.explicitHashKey !== undefined;
    const messageSize = recordMessageSize(
      this.partitionKeys.indexOf(record.partitionKey),
      hasHashKey ? this.explicitHashKeys.indexOf(record.explicitHashKey as string) : undefined,
      record.data.length,
      tags,
    );
    return (
      this.size +
      this.partitionKeys.growth(record.partitionKey) +
      (hasHashKey ? this.explicitHashKeys.growth(record.explicitHashKey as string) : 0) +
      lengthDelimitedSize(messageSize)
    );
  }

  /** Adds `record` after the ones already added. */
  add(record: KplUserRecord): void {
    const partitionKey = this.partitionKeys.add(record.partitionKey);
    const hashKey =
      record.explicitHashKey === undefined ? undefined : this.explicitHashKeys.add(record.explicitHashKey);
    const tags = encodeTags(record.tags);
    const size = recordMessageSize(partitionKey.index, hashKey?.index, record.data.length, tags);
    this.records.push({
      partitionKeyIndex: partitionKey.index,
      explicitHashKeyIndex: hashKey?.index,
      data: record.data,
      tags,
      size,
    });
    this.protobufSize += partitionKey.growth + (hashKey?.growth ?? 0) + lengthDelimitedSize(size);
  }

  /** The aggregated record's bytes. Throws when no record was added: an empty one would carry nothing. */
  encode(): Uint8Array {
    if (this.records.length === 0) {
      throw new KplFormatError('an aggregated record needs at least one user record');
    }
    const bytes = new Uint8Array(this.size);
    bytes.set(KPL_MAGIC, 0);
    const message = bytes.subarray(KPL_MAGIC.length, KPL_MAGIC.length + this.protobufSize);
    const writer = new ProtobufWriter(message);
    for (const key of this.partitionKeys.encoded)
      writer.lengthDelimited(AggregatedField.PartitionKeyTable, key);
    for (const key of this.explicitHashKeys.encoded) {
      writer.lengthDelimited(AggregatedField.ExplicitHashKeyTable, key);
    }
    for (const record of this.records) writeRecord(writer, record);
    if (writer.length !== this.protobufSize) {
      // The size accounting is what producers fill records by: a mismatch must never pass silently.
      throw new Error(
        `KPL size accounting is off: wrote ${writer.length} bytes, counted ${this.protobufSize}`,
      );
    }
    bytes.set(createHash('md5').update(message).digest(), KPL_MAGIC.length + this.protobufSize);
    return bytes;
  }
}

function writeRecord(writer: ProtobufWriter, record: PendingRecord): void {
  writer.tag(AggregatedField.Records, WireType.LengthDelimited);
  writer.varint(record.size);
  writer.tag(RecordField.PartitionKeyIndex, WireType.Varint);
  writer.varint(record.partitionKeyIndex);
  if (record.explicitHashKeyIndex !== undefined) {
    writer.tag(RecordField.ExplicitHashKeyIndex, WireType.Varint);
    writer.varint(record.explicitHashKeyIndex);
  }
  writer.lengthDelimited(RecordField.Data, record.data);
  for (const tag of record.tags) {
    writer.tag(RecordField.Tags, WireType.LengthDelimited);
    writer.varint(tagMessageSize(tag));
    writer.lengthDelimited(TagField.Key, tag.key);
    if (tag.value !== undefined) writer.lengthDelimited(TagField.Value, tag.value);
  }
}

/** Encodes `records`, in order, as one KPL aggregated record. */
export function encodeAggregatedRecord(records: readonly KplUserRecord[]): Uint8Array {
  const builder = new AggregatedRecordBuilder();
  for (const record of records) builder.add(record);
  return builder.encode();
}

function hasMagic(bytes: Uint8Array): boolean {
  return (
    bytes.length >= KPL_FRAMING_BYTES &&
    bytes[0] === KPL_MAGIC[0] &&
    bytes[1] === KPL_MAGIC[1] &&
    bytes[2] === KPL_MAGIC[2] &&
    bytes[3] === KPL_MAGIC[3]
  );
}

function checksumMatches(bytes: Uint8Array): boolean {
  const end = bytes.length - CHECKSUM_BYTES;
  const digest = createHash('md5').update(bytes.subarray(KPL_MAGIC.length, end)).digest();
  for (let index = 0; index < CHECKSUM_BYTES; index++) {
    if (digest[index] !== bytes[end + index]) return false;
  }
  return true;
}

/**
 * True when `bytes` is a KPL aggregated record: the magic bytes and a matching MD5.
 * A record with the magic and a wrong checksum is not one (the KPL passes it through).
 */
export function isAggregatedRecord(bytes: Uint8Array): boolean {
  return hasMagic(bytes) && checksumMatches(bytes);
}

/**
 * The user records inside a KPL aggregated record, in order, or `undefined` when `bytes`
 * is not one (no magic bytes, or a checksum that does not match: such a record is data
 * that only looks aggregated and is passed through unchanged, as the KPL does). Throws
 * {@link KplFormatError} when the checksum matches but the message is malformed. Each
 * user record's `data` is a view into `bytes`, not a copy.
 */
export function decodeAggregatedRecord(bytes: Uint8Array): KplUserRecord[] | undefined {
  if (!isAggregatedRecord(bytes)) return undefined;
  try {
    return readAggregatedRecord(bytes, KPL_MAGIC.length, bytes.length - CHECKSUM_BYTES);
  } catch (error) {
    if (error instanceof ProtobufWireError || error instanceof TypeError) {
      // TypeError: the fatal UTF-8 decoder's complaint about a key that is not UTF-8.
      throw new KplFormatError(`malformed KPL aggregated record: ${error.message}`);
    }
    throw error;
  }
}

interface RawRecord {
  partitionKeyIndex?: number;
  explicitHashKeyIndex?: number;
  data?: Uint8Array;
  tags: KplTag[];
}

function readAggregatedRecord(bytes: Uint8Array, start: number, end: number): KplUserRecord[] {
  const reader = new ProtobufReader(bytes, start, end);
  const partitionKeys: string[] = [];
  const explicitHashKeys: string[] = [];
  const raw: RawRecord[] = [];
  while (!reader.done) {
    const { field, wireType } = reader.tag();
    if (wireType !== WireType.LengthDelimited) {
      reader.skip(wireType);
      continue;
    }
    const [from, to] = reader.lengthDelimited();
    if (field === AggregatedField.PartitionKeyTable)
      partitionKeys.push(utf8Decoder.decode(bytes.subarray(from, to)));
    else if (field === AggregatedField.ExplicitHashKeyTable) {
      explicitHashKeys.push(utf8Decoder.decode(bytes.subarray(from, to)));
    } else if (field === AggregatedField.Records) raw.push(readRecord(bytes, from, to));
  }
  // Tables may in principle follow the records on the wire, so indexes are resolved last.
  return raw.map((record, position) => resolveRecord(record, position, partitionKeys, explicitHashKeys));
}

function readRecord(bytes: Uint8Array, start: number, end: number): RawRecord {
  const reader = new ProtobufReader(bytes, start, end);
  const record: RawRecord = { tags: [] };
  while (!reader.done) {
    const { field, wireType } = reader.tag();
    if (field === RecordField.PartitionKeyIndex && wireType === WireType.Varint) {
      record.partitionKeyIndex = reader.varint();
    } else if (field === RecordField.ExplicitHashKeyIndex && wireType === WireType.Varint) {
      record.explicitHashKeyIndex = reader.varint();
    } else if (field === RecordField.Data && wireType === WireType.LengthDelimited) {
      const [from, to] = reader.lengthDelimited();
      record.data = bytes.subarray(from, to);
    } else if (field === RecordField.Tags && wireType === WireType.LengthDelimited) {
      const [from, to] = reader.lengthDelimited();
      record.tags.push(readTag(bytes, from, to));
    } else {
      reader.skip(wireType);
    }
  }
  return record;
}

function readTag(bytes: Uint8Array, start: number, end: number): KplTag {
  const reader = new ProtobufReader(bytes, start, end);
  let key: string | undefined;
  let value: string | undefined;
  while (!reader.done) {
    const { field, wireType } = reader.tag();
    if (wireType === WireType.LengthDelimited && (field === TagField.Key || field === TagField.Value)) {
      const [from, to] = reader.lengthDelimited();
      const text = utf8Decoder.decode(bytes.subarray(from, to));
      if (field === TagField.Key) key = text;
      else value = text;
    } else {
      reader.skip(wireType);
    }
  }
  if (key === undefined) throw new ProtobufWireError('a tag has no key');
  return value === undefined ? { key } : { key, value };
}

function resolveRecord(
  record: RawRecord,
  position: number,
  partitionKeys: readonly string[],
  explicitHashKeys: readonly string[],
): KplUserRecord {
  const { partitionKeyIndex, explicitHashKeyIndex, data } = record;
  if (partitionKeyIndex === undefined) {
    throw new ProtobufWireError(`user record ${position} has no partition_key_index`);
  }
  if (data === undefined) throw new ProtobufWireError(`user record ${position} has no data`);
  if (partitionKeyIndex >= partitionKeys.length) {
    throw new ProtobufWireError(
      `user record ${position} names partition key ${partitionKeyIndex} of ${partitionKeys.length}`,
    );
  }
  if (explicitHashKeyIndex !== undefined && explicitHashKeyIndex >= explicitHashKeys.length) {
    throw new ProtobufWireError(
      `user record ${position} names explicit hash key ${explicitHashKeyIndex} of ${explicitHashKeys.length}`,
    );
  }
  return {
    partitionKey: partitionKeys[partitionKeyIndex],
    ...(explicitHashKeyIndex === undefined
      ? {}
      : { explicitHashKey: explicitHashKeys[explicitHashKeyIndex] }),
    data,
    ...(record.tags.length === 0 ? {} : { tags: record.tags }),
  };
}
