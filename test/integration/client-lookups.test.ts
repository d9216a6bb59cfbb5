/**
 * A client's instance is built once per stored version (src/oidc/client-lookups.ts), and every
 * lookup still reads the store: a rotated secret, a changed redirect URI or a deleted client
 * counts at the very next request, also while requests race the change.
 */
import { addClientApp, removeClientApp, rotateClientSecret, updateClientApp } from '../../src/client-apps/client-apps.js';
import { keepClientInstances } from '../../src/oidc/client-lookups.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import { fetchLoopback } from '../support/oidc-flow.js';
import { startIdp, type RunningIdp } from '../support/stack.js';

let idp: RunningIdp;
/** Client records parsed by the store's find, and read as text by its findJson, counted. */
let clientsParsed = 0;
let clientsRead = 0;
/** When set, the next findJson holds the text it read until this settles (a slow round trip). */
let holdNextRead: Promise<void> | undefined;
/** Clients whose stored text reads back damaged (cut short), as a damaged MongoDB record would. */
const damaged = new Set<string>();
beforeAll(async () => {
  const storage = createMemoryStorage();
  const modelStore = storage.modelStore.bind(storage);
  storage.modelStore = (model) => {
    const store = modelStore(model);
    if (model !== 'Client') return store;
    return {
      ...store,
      find: (id) => {
        clientsParsed += 1;
        return store.find(id);
      },
      findJson: async (id) => {
        clientsRead += 1;
        const json = await store.findJson(id);
        const held = holdNextRead;
        holdNextRead = undefined;
        if (held) await held;
        return json !== undefined && damaged.has(id) ? json.slice(0, json.length / 2) : json;
      },
    };
  };
  idp = await startIdp({ storage });
});
afterAll(async () => {
  await idp.stop();
});

type Credentials = { id: string; secret: string };

async function confidentialClient(name: string): Promise<Credentials> {
  const { metadata } = await addClientApp(idp, { name, redirectUris: ['http://app.localhost:9/cb'] });
  return { id: metadata.client_id, secret: metadata.client_secret! };
}

/** Introspection authenticates the client (client_secret_basic): 200 when its secret is right. */
async function authenticates(client: Credentials): Promise<number> {
  const response = await fetchLoopback(`${idp.issuer}/token/introspection`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`,
    },
    body: 'token=not-a-token',
  });
  await response.arrayBuffer();
  return response.status;
}

const find = (id: string) => idp.live.current().Client.find(id);

describe('client lookups', () => {
  it('build one instance per stored version of a client', async () => {
    const client = await confidentialClient('Built once');
    const first = await find(client.id);
    expect(first).toBeDefined();
    const parsed = clientsParsed;
    expect(await find(client.id)).toBe(first);
    expect(clientsParsed).toBe(parsed);
    await updateClientApp(idp, client.id, { redirectUris: ['http://app.localhost:9/other'] });
    const changed = await find(client.id);
    expect(changed).not.toBe(first);
    expect(changed?.redirectUris).toEqual(['http://app.localhost:9/other']);
    expect(await find(client.id)).toBe(changed);
  });

  it('read a known version\'s text only, never parsing the record again', async () => {
    const client = await confidentialClient('Read as text');
    expect(await authenticates(client)).toBe(200);
    const parsedBefore = clientsParsed;
    for (let i = 0; i < 5; i += 1) expect(await authenticates(client)).toBe(200);
    expect(clientsParsed).toBe(parsedBefore);
  });

  it('refuse a rotated-out secret at the next request, and accept the new one', async () => {
    const before = await confidentialClient('Rotated');
    expect(await authenticates(before)).toBe(200);
    expect(await authenticates(before)).toBe(200);
    const after = { id: before.id, secret: (await rotateClientSecret(idp, before.id)).metadata.client_secret! };
    expect(await authenticates(before)).toBe(401);
    expect(await authenticates(after)).toBe(200);
  });

  it('refuse a deleted client at the next request', async () => {
    const client = await confidentialClient('Deleted');
    expect(await authenticates(client)).toBe(200);
    await removeClientApp(idp, client.id);
    expect(await authenticates(client)).toBe(401);
    expect(await find(client.id)).toBeUndefined();
  });

  it('take a client whose stored text is damaged for no client (401), not an error, and the client back once its text is whole', async () => {
    const client = await confidentialClient('Damaged');
    expect(await authenticates(client)).toBe(200);
    damaged.add(client.id);
    expect(await authenticates(client)).toBe(401);
    damaged.delete(client.id);
    expect(await authenticates(client)).toBe(200);
  });

  it('never accept the old secret once a rotation has landed, however many requests race it', async () => {
    const before = await confidentialClient('Raced');
    const racing = Array.from({ length: 40 }, () => authenticates(before));
    const rotated = rotateClientSecret(idp, before.id);
    await Promise.all([...racing, rotated]);
    const after = (await rotated).metadata.client_secret!;
    const afterwards = await Promise.all(Array.from({ length: 20 }, () => authenticates(before)));
    expect(afterwards).toEqual(Array(20).fill(401));
    expect(await authenticates({ id: before.id, secret: after })).toBe(200);
  });

  it('answer an unknown client_id with one store read', async () => {
    const [parsed, read] = [clientsParsed, clientsRead];
    expect(await find('no-such-client')).toBeUndefined();
    expect([clientsParsed - parsed, clientsRead - read]).toEqual([0, 1]);
  });

  it('let no lookup that read the old version before a rotation decide what later lookups get', async () => {
    const client = await confidentialClient('Slow read');
    const old = await find(client.id);
    let release!: () => void;
    holdNextRead = new Promise((resolve) => (release = resolve));
    const slow = find(client.id); // reads the text of the old version, then is held
    await new Promise((resolve) => setImmediate(resolve));
    const secret = (await rotateClientSecret(idp, client.id)).metadata.client_secret!;
    const meanwhile = await find(client.id);
    expect(meanwhile?.clientSecret).toBe(secret);
    release();
    // The old version, as the engine's own find answers a read made before the update...
    expect((await slow)?.clientSecret).toBe(old?.clientSecret);
    expect(old?.clientSecret).not.toBe(secret);
    // ...and filed with the text it was read from, so the next lookup builds the new one again.
    expect((await find(client.id))?.clientSecret).toBe(secret);
    expect(await authenticates(client)).toBe(401);
    expect(await authenticates({ id: client.id, secret })).toBe(200);
  });

  it('leave a client with a sector_identifier_uri to the engine, which fetches and checks that document', async () => {
    // Stored directly (registration would refuse it first): the document is on a host the
    // IdP's outgoing requests may not reach, so the engine's check fails, and must run.
    const id = 'sector-client';
    await idp.storage.modelStore('Client').upsert(id, {
      client_id: id,
      client_secret: 's'.repeat(43),
      redirect_uris: ['https://app.example/cb'],
      sector_identifier_uri: 'https://127.1:9/sector.json',
    });
    await expect(find(id)).rejects.toMatchObject({ error: 'invalid_client_metadata', error_description: 'could not load sector_identifier_uri response' });
    expect(await authenticates({ id, secret: 's'.repeat(43) })).toBe(400);
  });

  it('keep a bounded number of instances, the oldest looked-up going first', async () => {
    const provider = idp.live.current();
    const texts = new Map<string, string>([
      ['kept-a', JSON.stringify({ client_id: 'kept-a', client_secret: 'a'.repeat(43), redirect_uris: ['http://app.localhost:9/cb'] })],
      ['kept-b', JSON.stringify({ client_id: 'kept-b', client_secret: 'b'.repeat(43), redirect_uris: ['http://app.localhost:9/cb'] })],
      ['kept-c', JSON.stringify({ client_id: 'kept-c', client_secret: 'c'.repeat(43), redirect_uris: ['http://app.localhost:9/cb'] })],
    ]);
    // The live provider's Client class, for this test on a store of three clients with room for two.
    const Client = provider.Client;
    const saved = Client.find;
    try {
      keepClientInstances(provider, { findJson: async (id) => texts.get(id) }, 2);
      const a = await Client.find('kept-a');
      const b = await Client.find('kept-b');
      expect(await Client.find('kept-a')).toBe(a);
      await Client.find('kept-c');
      expect(await Client.find('kept-b')).not.toBe(b);
      expect((await Client.find('kept-a'))?.clientId).toBe('kept-a');
    } finally {
      Client.find = saved;
    }
  });
});
