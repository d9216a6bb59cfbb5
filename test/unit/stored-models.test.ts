import type { Provider } from 'oidc-provider';
import { loadConfig } from '../../src/config.js';
import { createIdp, type Idp } from '../../src/idp.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import { assertKnownModel, OIDC_PROVIDER_MODELS, STORED_MODELS } from '../../src/storage/models.js';

/** The model classes this provider builds an adapter for (BaseToken is only their parent class). */
function modelsWithAdapters(provider: Provider): { name: string; model: { adapter: unknown } }[] {
  const prototype = Object.getPrototypeOf(provider) as object;
  return Object.getOwnPropertyNames(prototype)
    .filter((name) => /^[A-Z]/.test(name) && name !== 'BaseToken' && Object.getOwnPropertyDescriptor(prototype, name)?.get)
    .map((name) => ({ name, model: (provider as unknown as Record<string, { adapter: unknown }>)[name]! }))
    .filter(({ model }) => typeof model === 'function' && 'adapter' in model);
}

describe('stored models', () => {
  let idp: Idp;
  beforeAll(async () => {
    idp = await createIdp(loadConfig({ NODE_ENV: 'test', ISSUER: 'http://idp.localhost:3999' }), { storage: createMemoryStorage() });
  });
  afterAll(() => idp.close());

  it('lists exactly the models the installed oidc-provider stores through its adapter', () => {
    expect([...OIDC_PROVIDER_MODELS].sort()).toEqual(modelsWithAdapters(idp.provider()).map(({ name }) => name).sort());
  });

  it('gives oidc-provider a store for every one of its models', () => {
    for (const { model } of modelsWithAdapters(idp.provider())) expect(model.adapter).toBeDefined();
  });

  it('includes our own models beside oidc-provider\'s', () => {
    expect(STORED_MODELS).toEqual(expect.arrayContaining(['ClientTrust', 'ResourceServer', 'StaticInitialAccessToken', 'Session']));
  });

  it('refuses a model nobody declared, naming where to declare it', () => {
    expect(() => assertKnownModel('Typo')).toThrow(/add it to STORED_MODELS \(src\/storage\/models\.ts\)/);
    expect(() => assertKnownModel('Session')).not.toThrow();
  });
});
