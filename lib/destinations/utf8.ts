/** Byte counts as the services count them: UTF-8. */
import { Buffer } from 'node:buffer';

/** The UTF-8 byte length of `text`, without encoding it. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
