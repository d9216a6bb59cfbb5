/**
 * oidc-provider's Client.find reads a stored client and, to find the instance it built from the
 * same properties before, serialises them to JSON again and SHA-256-hashes that
 * (lib/models/client.js). Every token, userinfo and introspection request paid a parse, a
 * serialisation and a hash for each client it touched (issue 10: ~10 µs a lookup here, one to
 * three a request). Our stores keep a client as JSON text already, and that text is all the
 * instance is built from: when a lookup reads the very text the last one read, the instance built
 * from it then is the answer. The text is read from the store on every lookup, so a changed
 * secret, redirect URI or deletion counts at once, as before.
 *
 * An instance is built as the engine builds one (lib/helpers/add_client.js) and only from the text
 * just read, so no lookup can pair one version's text with another version's instance. Clients
 * with a sector_identifier_uri (whose document the engine fetches and checks) are left to the
 * engine's own find. Only for a provider whose clients are all in the store: no static clients
 * (the engine finds those first, and marks them unmanageable) and no Client ID Metadata Documents
 * (clients found at a URL); createProvider wires it only then. So an id the store doesn't hold is
 * no client, answered after that one read.
 */
import type Provider from 'oidc-provider';
import { jsonObject } from '../json-object.js';
import type { OidcModelStore } from '../storage/types.js';

type Client = NonNullable<Awaited<ReturnType<Provider['Client']['find']>>>;
/** The engine's constructor, as lib/helpers/add_client.js calls it (its types declare none). */
type ClientConstructor = new (metadata: Record<string, unknown>) => Client;

/** Clients whose instance is kept, per provider instance; the oldest looked-up goes first. */
export const KEPT_CLIENT_INSTANCES = 1_000;

export function keepClientInstances(provider: Provider, clients: Pick<OidcModelStore, 'findJson'>, kept = KEPT_CLIENT_INSTANCES): void {
  const { Client } = provider;
  const engineFind = Client.find.bind(Client);
  const built = new Map<string, { json: string; client: Client }>();

  Client.find = async (id: string) => {
    if (typeof id !== 'string' || !id) return engineFind(id);
    const json = await clients.findJson(id);
    if (json === undefined) {
      built.delete(id);
      return undefined;
    }
    const known = built.get(id);
    if (known?.json === json) {
      // Looked up last now: a Map iterates oldest-set first, and that one goes when full.
      built.delete(id);
      built.set(id, known);
      return known.client;
    }
    const metadata = jsonObject(json);
    if (metadata === undefined) {
      // A damaged record (text that is not a JSON object) is no client, as the stores count it.
      built.delete(id);
      return undefined;
    }
    if (metadata.sector_identifier_uri !== undefined) return engineFind(id);
    const client = new (Client as unknown as ClientConstructor)(metadata);
    built.delete(id);
    if (built.size >= kept) built.delete(built.keys().next().value!);
    built.set(id, { json, client });
    return client;
  };
}
