import mongoose from 'mongoose';
import { jsonOf, payloadOf, toRecordDocument } from '../../src/storage/mongo/record-document.js';
import type { AdapterPayload } from '../../src/storage/types.js';

/** What MongoDB would hand back: the document through the driver's own BSON serializer and back. */
const { BSON } = mongoose.mongo;
const throughBson = <T extends object>(doc: T): T => BSON.deserialize(BSON.serialize(doc)) as T;

const claimsWith = (member: Record<string, unknown>) => ({ grantId: 'g1', claims: { userinfo: member } }) as AdapterPayload;

describe('an oidc record document (MongoDB)', () => {
  it('keeps the payload as JSON text beside copies of the fields lookups use', () => {
    const doc = toRecordDocument('id-1', { uid: 'u1', userCode: 'UC', grantId: 'g1', accountId: 'a1', consumed: 7, other: { deep: [1] } }, 60, Date.UTC(2030, 0, 1));
    expect(doc).toEqual({
      _id: 'id-1',
      payload: '{"uid":"u1","userCode":"UC","grantId":"g1","accountId":"a1","consumed":7,"other":{"deep":[1]}}',
      uid: 'u1', userCode: 'UC', grantId: 'g1', accountId: 'a1', consumed: 7,
      expiresAt: new Date(Date.UTC(2030, 0, 1) + 60_000),
    });
    expect(toRecordDocument('id-2', { n: 1 }, undefined, 0)).toEqual({ _id: 'id-2', payload: '{"n":1}' });
  });

  it('copies only strings into the indexed fields', () => {
    const payload = JSON.parse('{ "uid": { "$ne": null }, "grantId": ["g"], "accountId": "", "userCode": 5 }') as AdapterPayload;
    expect(Object.keys(toRecordDocument('id', payload, undefined, 0)).sort()).toEqual(['_id', 'payload']);
  });

  describe('with member names a client chose (the claims parameter)', () => {
    const awkward: [string, Record<string, unknown>][] = [
      ['a NUL in a name', { 'email\u0000x': null }],
      ['BSON\'s own _bsontype', { x: { _bsontype: 'ObjectId', id: 'x' } }],
      ['a DBRef\'s $ref and $id', { x: { $ref: 'accounts', $id: 'x' } }],
      ['$ and dots', { $where: { essential: true }, 'a.b': null }],
      ['__proto__, constructor and prototype', JSON.parse('{ "__proto__": { "polluted": true }, "constructor": { "prototype": 1 }, "prototype": 2 }') as Record<string, unknown>],
    ];

    it.each(awkward)('round-trips %s exactly through BSON', (_name, member) => {
      const payload = claimsWith(member);
      const back = payloadOf(throughBson(toRecordDocument('id', payload, 60, 0)));
      expect(JSON.stringify(back)).toBe(JSON.stringify(payload));
      expect(back).toEqual(payload);
    });

    it('could not be kept as a sub-document: BSON refuses or changes them', () => {
      const asSubDocument = (member: Record<string, unknown>) => () => throughBson({ _id: 'id', payload: claimsWith(member) });
      expect(asSubDocument({ 'email\u0000x': null })).toThrow(/null bytes/);
      expect(asSubDocument({ x: { _bsontype: 'ObjectId', id: 'x' } })).toThrow(/BSON/);
      const dbRef = asSubDocument({ x: { $ref: 'accounts', $id: 'x' } })().payload.claims as { userinfo: { x: unknown } };
      expect(dbRef.userinfo.x).toBeInstanceOf(BSON.DBRef);
    });
  });

  it('gives the payload\'s JSON text as stored, and a sub-document of an earlier version as JSON', () => {
    const stored = toRecordDocument('id', { client_id: 'c', redirect_uris: ['https://a.example/cb'] }, undefined, 0);
    expect(jsonOf(stored)).toBe(stored.payload);
    const legacy = { payload: { client_id: 'c', redirect_uris: ['https://a.example/cb'] } };
    expect(jsonOf(legacy)).toBe('{"client_id":"c","redirect_uris":["https://a.example/cb"]}');
  });

  it('reads the consumed mark kept beside the payload', () => {
    expect(payloadOf({ payload: '{"grantId":"g"}', consumed: 1700000000 })).toEqual({ grantId: 'g', consumed: 1700000000 });
  });

  it('still reads a record written as a sub-document by an earlier version', () => {
    const legacy = throughBson({ _id: 'id', payload: { grantId: 'g', 'client.with.dots': { sid: 's' }, consumed: 1 }, consumed: 2 });
    expect(payloadOf(legacy)).toEqual({ grantId: 'g', 'client.with.dots': { sid: 's' }, consumed: 2 });
    expect(payloadOf(throughBson({ _id: 'id', payload: { n: 1 } }))).toEqual({ n: 1 });
  });

  it('reads a payload that is not a JSON object as no record, rather than failing the read', () => {
    for (const payload of ['{"grantId":', '', 'null', '[1,2]', '"text"', '42']) expect(payloadOf({ payload, consumed: 5 })).toBeUndefined();
    expect(payloadOf({ payload: null as unknown as string })).toBeUndefined();
    expect(payloadOf(throughBson({ _id: 'id', payload: [1, 2] as unknown as string }))).toBeUndefined();
  });
});
