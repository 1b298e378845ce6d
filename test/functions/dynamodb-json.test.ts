import { describe, expect, it } from 'vitest';
import { changeJson, itemPartitionKey, mapJson } from '../../functions/dynamodb-json.js';
import { dynamoDBRecord } from '../factories/dynamodb.js';

describe('the JSON the dynamodb-to-* functions write', () => {
  it('writes every attribute type losslessly: exact numbers, sets as arrays, binaries as base64', () => {
    const json = mapJson({
      s: { S: 'h\u00e9 "quoted"\n' },
      n: { N: '3.14159265358979323846264338327950288' },
      big: { N: '-123456789012345678901234567890' },
      b: { B: 'AAEC' },
      t: { BOOL: true },
      nil: { NULL: true },
      ss: { SS: ['x', 'y'] },
      ns: { NS: ['1', '1e+100'] },
      bs: { BS: ['AA=='] },
      l: { L: [{ N: '1' }, { S: 'two' }, { M: { deep: { BOOL: false } } }] },
    });

    expect(json).toBe(
      '{"s":"h\u00e9 \\"quoted\\"\\n","n":3.14159265358979323846264338327950288,"big":-123456789012345678901234567890,' +
        '"b":"AAEC","t":true,"nil":null,"ss":["x","y"],"ns":[1,1e+100],"bs":["AA=="],' +
        '"l":[1,"two",{"deep":false}]}',
    );
    expect(() => JSON.parse(json)).not.toThrow();
  });

  it('refuses an attribute of no known type and a number that is not decimal, naming neither value', () => {
    expect(() => mapJson({ x: { Z: 'secret' } as never })).toThrow(/no known type \(Z\)/);
    expect(() => mapJson({ x: { N: 'NaN-secret' } })).toThrow(/not a decimal number$/);
  });

  it('writes the new image on INSERT and MODIFY, the keys and old image on REMOVE', () => {
    const insert = dynamoDBRecord({ eventName: 'INSERT', keys: { pk: 'a' }, newImage: { pk: 'a', v: 1 } });
    const remove = dynamoDBRecord({ eventName: 'REMOVE', keys: { pk: 'a' }, oldImage: { pk: 'a', v: 2 } });

    expect(JSON.parse(changeJson(insert))).toEqual({ pk: 'a', v: 1 });
    expect(JSON.parse(changeJson(remove))).toEqual({ keys: { pk: 'a' }, oldImage: { pk: 'a', v: 2 } });
  });

  it('writes the keys alone for a change on a KEYS_ONLY stream', () => {
    const record = dynamoDBRecord({ eventName: 'MODIFY', keys: { pk: 'a' } });
    delete record.dynamodb.NewImage;
    delete record.dynamodb.OldImage;

    expect(JSON.parse(changeJson(record))).toEqual({ keys: { pk: 'a' } });
  });

  it('keys by the key value, by the values in name order for a composite key, by a hash past 256 characters', () => {
    const simple = dynamoDBRecord({ keys: { pk: 'user#1' } });
    const composite = dynamoDBRecord({ keys: { sk: 7, pk: 'user#1' } });
    const long = dynamoDBRecord({ keys: { pk: 'x'.repeat(300) } });

    expect(itemPartitionKey(simple)).toBe('user#1');
    expect(itemPartitionKey(composite)).toBe('["user#1","7"]');
    expect(itemPartitionKey(long)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(itemPartitionKey(dynamoDBRecord({ keys: { pk: 'x'.repeat(300) } }))).toBe(itemPartitionKey(long));
  });
});
