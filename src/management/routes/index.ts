/** Every route of the Management API, in the order the OpenAPI document lists them. */
import { openApiDocument, openApiRoute } from '../openapi.js';
import type { ApiRoute } from '../route.js';
import type { Idp } from '../../idp.js';
import { auditRoutes } from './audit.js';
import { clientRoutes } from './clients.js';
import { keyRoutes } from './keys.js';
import { logoutDeliveryRoutes } from './logout-deliveries.js';
import { resourceServerRoutes } from './resource-servers.js';
import { tokenRoutes } from './tokens.js';
import { userRoutes } from './users.js';

/** What the routes may use of the IdP (everything is built before the app that serves them). */
export type ManagementDeps = Pick<Idp, 'config' | 'clients' | 'registrationPolicy' | 'resourceServers' | 'apiAccess' | 'storage' | 'access' | 'events' | 'pseudonyms' | 'provider' | 'logger' | 'deliveries' | 'factors'>;

export function managementRoutes(deps: ManagementDeps): ApiRoute[] {
  const routes: ApiRoute[] = [...clientRoutes(deps), ...userRoutes(deps), ...resourceServerRoutes(deps), ...tokenRoutes(deps), ...keyRoutes(deps), ...logoutDeliveryRoutes(deps), ...auditRoutes(deps)];
  let document: ReturnType<typeof openApiDocument> | undefined;
  const all: ApiRoute[] = [...routes, openApiRoute(() => (document ??= openApiDocument(all, deps.config.issuer)))];
  return all;
}
