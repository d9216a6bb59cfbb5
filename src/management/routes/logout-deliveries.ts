/**
 * /logout-deliveries: the back-channel logouts the IdP owes or owed in the last day
 * (logout-delivery/deliveries.ts), for an admin to see which sites have not heard that someone
 * signed out, and /logout-deliveries/stats, the pending count and the oldest pending age. Under
 * admin:sessions:read: they are about people's sessions. An answer never carries the delivery's
 * sid: it names an IdP session, and the list is readable by more than that session's holder.
 */
import { DELIVERY_STATES, deliveryKey, deliveryStats, deliveryView, isDeliveryState, selectDeliveries } from '../../logout-delivery/delivery-stats.js';
import { paginate, pageSchema, PAGING_QUERY } from '../paging.js';
import type { ApiRoute, JsonSchema } from '../route.js';
import { idParam } from '../schemas.js';
import type { ManagementDeps } from './index.js';

export type LogoutDeliveriesDeps = Pick<ManagementDeps, 'deliveries'>;

const tag = 'Sign-out deliveries';
const dateTime: JsonSchema = { type: 'string', format: 'date-time' };

const DELIVERY: JsonSchema = {
  type: 'object',
  required: ['id', 'client_id', 'user_id', 'state', 'attempts', 'created_at', 'give_up_at'],
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    client_id: { type: 'string', description: 'The site being told' },
    user_id: { type: 'string', description: 'The person who signed out' },
    state: { enum: [...DELIVERY_STATES], description: 'pending: being retried; delivered: the site answered 2xx; refused: it answered 4xx (not 429); given_up: nothing it could honour is alive any more' },
    attempts: { type: 'integer', minimum: 0 },
    created_at: { ...dateTime, description: 'When the sign-out happened' },
    next_attempt_at: { ...dateTime, description: 'Pending only: when the next attempt is due' },
    last_outcome: { type: 'string', description: 'What the last attempt got: HTTP 2xx, HTTP 503, timeout, connection refused, ...' },
    settled_at: { ...dateTime, description: 'When it stopped being pending' },
    give_up_at: { ...dateTime, description: 'When the IdP stops trying' },
  },
};

const STATS: JsonSchema = {
  type: 'object',
  required: ['pending', 'oldest_pending_age_seconds', 'refused_last_day', 'given_up_last_day'],
  additionalProperties: false,
  properties: {
    pending: { type: 'integer', minimum: 0, description: 'Deliveries still being retried' },
    oldest_pending_age_seconds: { type: ['integer', 'null'], minimum: 0, description: 'How long the oldest pending delivery has waited; null when none is pending' },
    refused_last_day: { type: 'integer', minimum: 0 },
    given_up_last_day: { type: 'integer', minimum: 0 },
  },
};


export function logoutDeliveryRoutes(deps: LogoutDeliveriesDeps): ApiRoute[] {
  return [
    {
      method: 'get',
      path: '/logout-deliveries',
      operationId: 'listLogoutDeliveries',
      summary: 'Back-channel logouts owed or made in the last day, oldest first',
      tag,
      scope: 'admin:sessions:read',
      query: {
        ...PAGING_QUERY,
        state: { description: 'Only deliveries in this state', schema: { enum: [...DELIVERY_STATES] } },
        client_id: { description: 'Only deliveries to this site', schema: idParam },
      },
      response: { status: 200, description: 'A page of deliveries, oldest first', schema: pageSchema(DELIVERY) },
      async handle({ query }) {
        const state = query.state !== undefined && isDeliveryState(query.state) ? query.state : undefined;
        const selected = selectDeliveries(await deps.deliveries.list(), { state, clientId: query.client_id });
        const page = paginate(selected, deliveryKey, query);
        return { status: 200, body: { items: page.items.map(deliveryView), next_cursor: page.next_cursor } };
      },
    },
    {
      method: 'get',
      path: '/logout-deliveries/stats',
      operationId: 'logoutDeliveryStats',
      summary: 'How many back-channel logouts are pending, the oldest pending age, and how many failed in the last day',
      tag,
      scope: 'admin:sessions:read',
      response: { status: 200, description: 'The counts', schema: STATS },
      async handle() {
        const stats = deliveryStats(await deps.deliveries.list());
        return {
          status: 200,
          body: { pending: stats.pending, oldest_pending_age_seconds: stats.oldestPendingAgeSeconds, refused_last_day: stats.refusedLastDay, given_up_last_day: stats.givenUpLastDay },
        };
      },
    },
  ];
}
