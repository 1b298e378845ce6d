/**
 * Per-entry faults for SNS `PublishBatch`, which speaks the query protocol: the request is a
 * form (`PublishBatchRequestEntries.member.N.*`) and the answer XML, with failed entries as
 * `<Failed><member>` elements that carry `Code`, `Message` and `SenderFault`.
 */
import type { EntryFault } from './service-faults.js';

const MEMBER = /^PublishBatchRequestEntries\.member\.(\d+)\.(.+)$/;
const NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';

/** A `PublishBatch` form, split into its own parameters and its entries' (in member order). */
export interface SnsBatchForm {
  readonly common: readonly (readonly [string, string])[];
  /** Each entry's parameters, without the `PublishBatchRequestEntries.member.N.` prefix. */
  readonly entries: readonly (readonly (readonly [string, string])[])[];
}

/** The entries of a `PublishBatch` form body, or undefined when it holds none. */
export function snsBatchForm(body: Buffer): SnsBatchForm | undefined {
  const common: [string, string][] = [];
  const members = new Map<number, [string, string][]>();
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    const match = MEMBER.exec(name);
    if (match === null) {
      common.push([name, value]);
      continue;
    }
    const position = Number(match[1]);
    const fields = members.get(position) ?? [];
    fields.push([match[2], value]);
    members.set(position, fields);
  }
  if (members.size === 0) return undefined;
  const entries = [...members].sort(([a], [b]) => a - b).map(([, fields]) => fields);
  return { common, entries };
}

/** The form body with only the kept entries, numbered from 1 again as SNS requires. */
export function snsFormWithEntries(form: SnsBatchForm, kept: readonly number[]): Buffer {
  const params = new URLSearchParams();
  for (const [name, value] of form.common) params.append(name, value);
  kept.forEach((index, position) => {
    for (const [field, value] of form.entries[index]) {
      params.append(`PublishBatchRequestEntries.member.${position + 1}.${field}`, value);
    }
  });
  return Buffer.from(params.toString());
}

function entryId(form: SnsBatchForm, index: number): string {
  return form.entries[index].find(([field]) => field === 'Id')?.[1] ?? '';
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The `<member>` of `Failed` that SNS sends for an entry failed this way. */
function failedMember(fault: EntryFault, id: string): string {
  const [code, message, senderFault] =
    fault === 'throttle'
      ? ['Throttled', 'Rate exceeded.', false]
      : fault === 'internal'
        ? ['InternalError', 'Internal service failure.', false]
        : ['InvalidParameter', 'Invalid parameter: Message.', true];
  return `<member><Id>${escapeXml(id)}</Id><Code>${code}</Code><Message>${message}</Message><SenderFault>${senderFault}</SenderFault></member>`;
}

/**
 * The answer the client sees: the upstream's XML (undefined when nothing was forwarded) with
 * the injected failures added to its `Failed` list. Entry ids are the client's own, so no
 * renumbering is needed on the way back.
 */
export function mergeSnsBatchResponse(
  form: SnsBatchForm,
  failed: ReadonlyMap<number, EntryFault>,
  upstreamXml: string | undefined,
): string {
  const injected = [...failed].map(([index, fault]) => failedMember(fault, entryId(form, index))).join('');
  if (upstreamXml === undefined) {
    return `<PublishBatchResponse xmlns="${NAMESPACE}"><PublishBatchResult><Successful></Successful><Failed>${injected}</Failed></PublishBatchResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></PublishBatchResponse>`;
  }
  if (/<Failed\s*\/>/.test(upstreamXml))
    return upstreamXml.replace(/<Failed\s*\/>/, `<Failed>${injected}</Failed>`);
  if (upstreamXml.includes('</Failed>')) return upstreamXml.replace('</Failed>', `${injected}</Failed>`);
  return upstreamXml.replace('</PublishBatchResult>', `<Failed>${injected}</Failed></PublishBatchResult>`);
}
