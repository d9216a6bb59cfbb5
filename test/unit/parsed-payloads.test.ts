import { jest } from '@jest/globals';
import { copyParsed, createParsedPayloads } from '../../src/storage/memory/parsed-payloads.js';
import { createMemoryOidcRecords } from '../../src/storage/memory/oidc-records.js';

const entry = (payload: unknown) => ({ json: JSON.stringify(payload) });

describe('parsed payloads of the memory store', () => {
  afterEach(() => jest.restoreAllMocks());

  it('copies a parse exactly as JSON.parse makes it: nested objects and arrays, nulls, numbers, unicode, key order', () => {
    const text = '{"b":1,"a":[{"x":null,"y":[true,false,2.5]},"é ✓"],"2":"two","nested":{"deep":{"deeper":[[]]}}}';
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const copy = copyParsed(parsed as never) as Record<string, unknown>;
    expect(copy).toEqual(JSON.parse(text));
    expect(JSON.stringify(copy)).toBe(JSON.stringify(parsed));
    expect(copy.a).not.toBe(parsed.a);
    expect((copy.nested as { deep: unknown }).deep).not.toBe((parsed.nested as { deep: unknown }).deep);
  });

  it('keeps a key named __proto__ an own property, as JSON.parse does, and pollutes no prototype', () => {
    const parsed = JSON.parse('{"params":{"__proto__":{"polluted":true},"scope":"openid"}}') as Record<string, never>;
    const copy = copyParsed(parsed) as unknown as { params: Record<string, unknown> };
    expect(Object.getPrototypeOf(copy.params)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(copy.params, '__proto__')?.value).toEqual({ polluted: true });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(JSON.stringify(copy)).toBe(JSON.stringify(parsed));
  });

  it('makes a key Object.prototype has read-only or as an accessor an own property, as JSON.parse does', () => {
    const setter = jest.fn();
    Object.defineProperty(Object.prototype, 'readOnlyProbe', { value: 'inherited', writable: false, configurable: true });
    Object.defineProperty(Object.prototype, 'accessorProbe', { get: () => 'inherited', set: setter, configurable: true });
    try {
      // Objects under such keys too: the copy writes them over its own properties, never the prototype's.
      const text = '{"claims":{"readOnlyProbe":1,"accessorProbe":2,"toString":null,"constructor":"x"},"nested":{"readOnlyProbe":{"a":1},"accessorProbe":[{"b":2}]}}';
      const parsed = JSON.parse(text) as Record<string, Record<string, unknown>>;
      const copy = copyParsed(parsed as never) as typeof parsed;
      expect(Object.entries(copy.claims!)).toEqual([['readOnlyProbe', 1], ['accessorProbe', 2], ['toString', null], ['constructor', 'x']]);
      expect(Object.getOwnPropertyDescriptor(copy.nested, 'readOnlyProbe')?.value).toEqual({ a: 1 });
      expect(copy.nested!.readOnlyProbe).not.toBe(parsed.nested!.readOnlyProbe);
      expect(Object.getOwnPropertyDescriptor(copy.nested, 'accessorProbe')?.value).toEqual([{ b: 2 }]);
      expect(setter).not.toHaveBeenCalled();
      expect(JSON.stringify(copy)).toBe(text);
    } finally {
      Reflect.deleteProperty(Object.prototype, 'readOnlyProbe');
      Reflect.deleteProperty(Object.prototype, 'accessorProbe');
    }
  });

  it('parses an entry once while it is kept, and hands out a fresh copy on every read', () => {
    const parse = jest.spyOn(JSON, 'parse');
    const payloads = createParsedPayloads();
    const record = entry({ openid: { scope: 'openid' } });
    const first = payloads.read(record);
    const second = payloads.read(record);
    expect(parse).toHaveBeenCalledTimes(1);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    expect(second.openid).not.toBe(first.openid);
  });

  it('keeps at most its bound, dropping the parse kept longest ago however often it was read', () => {
    const parse = jest.spyOn(JSON, 'parse');
    const payloads = createParsedPayloads({ kept: 3 });
    const [one, two, three, four] = [1, 2, 3, 4].map((n) => entry({ n }));
    for (const record of [one, two, three]) payloads.read(record!);
    payloads.read(one!); // read again: still the one kept longest ago
    payloads.read(four!); // full: one goes
    expect(payloads.size).toBe(3);
    parse.mockClear();
    for (const record of [two, three, four]) payloads.read(record!);
    expect(parse).not.toHaveBeenCalled();
    payloads.read(one!);
    expect(parse).toHaveBeenCalledTimes(1);
    expect(payloads.size).toBe(3);
  });

  it('copies along a plan made once: objects nested in objects and arrays fresh on every read, the same values', () => {
    const payloads = createParsedPayloads();
    const text = '{"openid":{"scope":"openid","claims":["email"]},"resources":{"https://api.example/":{"scope":"read"}},"amr":["pwd",{"x":[1,{"y":null}]}],"flat":"f","n":1,"none":null}';
    const record = { json: text };
    const first = payloads.read(record);
    const second = payloads.read(record) as Record<string, Record<string, unknown>> & { amr: [string, { x: [number, object] }] };
    expect(second).toEqual(JSON.parse(text));
    expect(JSON.stringify(second)).toBe(text);
    const firstNested = first as typeof second;
    expect(second.openid).not.toBe(firstNested.openid);
    expect(second.openid!.claims).not.toBe(firstNested.openid!.claims);
    expect(second.resources!['https://api.example/']).not.toBe(firstNested.resources!['https://api.example/']);
    expect(second.amr[1]).not.toBe(firstNested.amr[1]);
    expect(second.amr[1].x[1]).not.toBe(firstNested.amr[1].x[1]);
    // Changing every level of one read leaves the next read as stored.
    (second.openid as { scope: string }).scope = 'changed';
    (second.amr[1].x[1] as { y: unknown }).y = 'changed';
    expect(payloads.read(record)).toEqual(JSON.parse(text));
  });

  it('keeps no parse of a record longer than its bound: such a record is parsed on every read, as before', () => {
    const parse = jest.spyOn(JSON, 'parse');
    const payloads = createParsedPayloads({ largestKept: 64 });
    const large = entry({ claims: 'x'.repeat(100) });
    payloads.read(large);
    payloads.read(large);
    expect(parse).toHaveBeenCalledTimes(2);
    expect(payloads.size).toBe(0);
  });

  it('keeps parses of at most its bound in characters of JSON together, dropping those read longest ago', () => {
    const parse = jest.spyOn(JSON, 'parse');
    const payloads = createParsedPayloads({ keptCharacters: 100 });
    const records = ['a', 'b', 'c'].map((name) => entry({ name, padding: 'x'.repeat(20) })); // 45 characters of JSON each
    for (const record of records) payloads.read(record);
    expect(payloads.size).toBe(2);
    parse.mockClear();
    payloads.read(records[1]!);
    payloads.read(records[2]!);
    expect(parse).not.toHaveBeenCalled();
    payloads.read(records[0]!);
    expect(parse).toHaveBeenCalledTimes(1);
    payloads.forget(records[0]!);
    payloads.forget(records[2]!);
    payloads.read(entry({ name: 'd', padding: 'x'.repeat(59) })); // 84: with the one left (45) over the bound, which drops that one
    expect(payloads.size).toBe(1);
  });

  it('reads a kept record nested deeper than its copy can recurse with JSON.parse, and keeps no parse of it', () => {
    const depth = 20_000;
    const deep = { json: `{"claims":${'['.repeat(depth)}${']'.repeat(depth)}}` };
    const payloads = createParsedPayloads({ largestKept: Number.MAX_SAFE_INTEGER });
    expect(() => copyParsed(JSON.parse(deep.json) as never)).toThrow(RangeError);
    let level: unknown = payloads.read(deep).claims;
    let levels = 0;
    while (Array.isArray(level) && level.length > 0) {
      level = level[0];
      levels += 1;
    }
    expect(levels).toBe(depth - 1);
    expect(payloads.size).toBe(0);
  });

  it('reads a kept record with objects nested deeper than its plan can recurse with JSON.parse, and keeps no parse of it', () => {
    const depth = 20_000;
    const deep = { json: `{"claims":${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}}` };
    const payloads = createParsedPayloads({ largestKept: Number.MAX_SAFE_INTEGER });
    let level: unknown = payloads.read(deep).claims;
    let levels = 0;
    while (level !== null && typeof level === 'object' && 'a' in level) {
      level = (level as { a: unknown }).a;
      levels += 1;
    }
    expect(levels).toBe(depth);
    expect(payloads.size).toBe(0);
  });

  it('lets go of the parse of an entry the store dropped', () => {
    const payloads = createParsedPayloads();
    const record = entry({ n: 1 });
    payloads.read(record);
    payloads.forget(record);
    expect(payloads.size).toBe(0);
  });
});

describe('memory store reads', () => {
  it('never let a caller change the stored record by changing what it read, nested parts included', async () => {
    const grants = createMemoryOidcRecords().modelStore('Grant');
    await grants.upsert('g1', { accountId: 'a1', openid: { scope: 'openid' }, resources: { 'https://api.example/': 'read' } }, 60);
    const read = (await grants.find('g1'))!;
    (read.openid as { scope: string }).scope = 'openid email';
    (read.resources as Record<string, string>)['https://api.example/'] = 'read write';
    read.accountId = 'someone-else';
    expect(await grants.find('g1')).toEqual({ accountId: 'a1', openid: { scope: 'openid' }, resources: { 'https://api.example/': 'read' } });
  });

  it('read a record written again as its new text, never as the parse kept of the old', async () => {
    const sessions = createMemoryOidcRecords().modelStore('Session');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'a1', authorizations: { c1: { grantId: 'g1' } } }, 60);
    expect(await sessions.findByUid('u1')).toMatchObject({ authorizations: { c1: { grantId: 'g1' } } });
    await sessions.upsert('s1', { uid: 'u1', accountId: 'a1', authorizations: {} }, 60);
    expect(await sessions.findByUid('u1')).toEqual({ uid: 'u1', accountId: 'a1', authorizations: {} });
    expect(await sessions.find('s1')).toEqual({ uid: 'u1', accountId: 'a1', authorizations: {} });
  });

  it('show a consumption on reads after it, without changing what was read before', async () => {
    const codes = createMemoryOidcRecords(() => 1_700_000_000_000).modelStore('AuthorizationCode');
    await codes.upsert('c1', { grantId: 'g1', scope: 'openid' }, 60);
    const before = await codes.find('c1');
    await codes.consume('c1');
    expect(await codes.find('c1')).toEqual({ grantId: 'g1', scope: 'openid', consumed: 1_700_000_000 });
    expect(before).toEqual({ grantId: 'g1', scope: 'openid' });
  });

  it('find nothing once a record is destroyed, though it was read (and kept parsed) just before', async () => {
    const tokens = createMemoryOidcRecords().modelStore('AccessToken');
    await tokens.upsert('t1', { grantId: 'g1' }, 60);
    expect(await tokens.find('t1')).toEqual({ grantId: 'g1' });
    await tokens.destroy('t1');
    expect(await tokens.find('t1')).toBeUndefined();
  });
});
