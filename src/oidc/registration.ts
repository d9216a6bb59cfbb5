/**
 * Dynamic Client Registration (RFC 7591) and its management (RFC 7592). Registration always needs
 * an initial access token: the static INITIAL_ACCESS_TOKEN, or one minted with the admin CLI.
 * Every such token carries our registration policy, which oidc-provider runs on registration and,
 * through the registration access token that inherits it, on every update.
 */
import { randomBytes } from 'node:crypto';
import { errors, type Configuration, type Provider } from 'oidc-provider';
import { newClientId } from '../client-apps/client-apps.js';
import type { RegistrationPolicy } from '../client-apps/registration-policy.js';
import { assertThat, isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Storage } from '../storage/types.js';

export const REGISTRATION_POLICY = 'registration-policy';
export const SINGLE_USE = 'single-use';

type Features = NonNullable<Configuration['features']>;

export function createRegistrationFeatures(options: { policy: RegistrationPolicy; storage: Storage }): Pick<Features, 'registration' | 'registrationManagement'> {
  const initialAccessTokens = options.storage.modelStore('InitialAccessToken');
  return {
    registration: {
      enabled: true,
      idFactory: newClientId,
      initialAccessToken: true,
      issueRegistrationAccessToken: true,
      policies: {
        async [REGISTRATION_POLICY](ctx, properties) {
          // oidc-provider copies the JSON body with Object.assign, so a "__proto__" member becomes
          // the prototype of what it validates: our checks would read values the engine never
          // stores (an inherited application_type: native allowing http://127.0.0.1 redirects).
          if (Object.getPrototypeOf(properties) !== Object.prototype) throw new errors.InvalidClientMetadata('"__proto__" is not client metadata');
          // A registered app is never first-party here; on an update it may keep the name it has.
          const current = ctx.oidc.route === 'client_update' ? ctx.oidc.client?.metadata() : undefined;
          const violation = await options.policy.check(properties, { by: 'app', firstParty: false, current });
          if (violation?.error === 'invalid_redirect_uri') throw new errors.InvalidRedirectUri(violation.description);
          if (violation) throw new errors.InvalidClientMetadata(violation.description);
          // RFC 7592 section 2.2: an update may issue a new client secret; ours always does.
          if (ctx.oidc.route === 'client_update' && properties.client_secret) {
            properties.client_secret = randomBytes(32).toString('base64url');
            properties.client_secret_expires_at = 0;
          }
        },
        async [SINGLE_USE](ctx, properties) {
          if (ctx.oidc.route !== 'registration') return;
          // Validate everything first, so a typo doesn't burn the token; then claim it atomically.
          await ctx.oidc.provider.Client.validate(properties);
          const token = ctx.oidc.entities.InitialAccessToken;
          try {
            await initialAccessTokens.consume(token!.jti);
          } catch (error) {
            // Only a consume that lost (used before, or concurrently) means "used". Anything else,
            // a storage outage above all, goes on as it is: AppError storage_unavailable carries
            // statusCode 503, which oidc-provider answers as server_error (503), as at every
            // other endpoint during an outage.
            if (isAppError(error) && error.code === 'already_consumed') throw new errors.InvalidToken('initial access token already used');
            throw error;
          }
        },
      },
    },
    registrationManagement: { enabled: true, rotateRegistrationAccessToken: true },
  };
}

/**
 * A single-use token is deleted once its registration succeeded. It is already consumed, so a
 * failed delete (database away) only leaves a dead record behind.
 */
export function forgetUsedInitialAccessTokens(provider: Provider, logger: Logger): void {
  provider.on('registration_create.success', (ctx) => {
    const token = ctx.oidc.entities.InitialAccessToken;
    if (token?.policies?.includes(SINGLE_USE)) {
      token.destroy().catch((error: unknown) => logger.warn('registration.iat_cleanup_failed', { error }));
    }
  });
}

export async function mintInitialAccessToken(provider: Provider, options: { expiresInSeconds?: number; singleUse?: boolean; value?: string }): Promise<string> {
  const token = new provider.InitialAccessToken({
    ...(options.value ? { jti: options.value } : {}),
    ...(options.expiresInSeconds ? { expiresIn: options.expiresInSeconds } : {}),
    policies: [REGISTRATION_POLICY, ...(options.singleUse ? [SINGLE_USE] : [])],
  } as ConstructorParameters<Provider['InitialAccessToken']>[0]);
  return token.save();
}

/**
 * The lifetime an admin may give an initial access token (the admin CLI and the Management API):
 * at least a minute, at most a year, a week unless said. A token without expiry would be a
 * standing licence to register apps, so there is always one.
 */
export const INITIAL_ACCESS_TOKEN_LIFETIME = { minSeconds: 60, maxSeconds: 31_536_000, defaultSeconds: 7 * 86_400 } as const;

export interface IssuedInitialAccessToken {
  token: string;
  expiresAt: Date;
  singleUse: boolean;
}

/** An initial access token an admin asked for, within INITIAL_ACCESS_TOKEN_LIFETIME. */
export async function issueInitialAccessToken(provider: Provider, options: { expiresInSeconds?: number; singleUse?: boolean }): Promise<IssuedInitialAccessToken> {
  const { minSeconds, maxSeconds, defaultSeconds } = INITIAL_ACCESS_TOKEN_LIFETIME;
  const expiresInSeconds = options.expiresInSeconds ?? defaultSeconds;
  assertThat(Number.isSafeInteger(expiresInSeconds) && expiresInSeconds >= minSeconds && expiresInSeconds <= maxSeconds, 'invalid_input', `An initial access token lives from ${minSeconds} seconds to ${maxSeconds} seconds (a year)`);
  const singleUse = options.singleUse === true;
  const issuedAt = Date.now();
  const token = await mintInitialAccessToken(provider, { expiresInSeconds, singleUse });
  return { token, expiresAt: new Date(issuedAt + expiresInSeconds * 1000), singleUse };
}

/**
 * Keeps the stored copy of INITIAL_ACCESS_TOKEN in step with the environment: a changed or
 * removed value stops working at the next start. `expiresAt` (INITIAL_ACCESS_TOKEN_EXPIRES_AT)
 * becomes the stored token's expiry, so every instance refuses it from then on (401
 * invalid_token, RFC 6750 section 3.1); a changed expiry is written at the next start.
 */
export async function syncStaticInitialAccessToken(provider: Provider, storage: Storage, value: string | undefined, expiresAt?: Date): Promise<void> {
  const pointer = storage.modelStore('StaticInitialAccessToken');
  const tokens = storage.modelStore('InitialAccessToken');
  const previous = await pointer.find('current');
  if (typeof previous?.jti === 'string' && previous.jti !== value) await tokens.destroy(previous.jti);
  if (!value) {
    await pointer.destroy('current');
    return;
  }
  const expiresAtSeconds = expiresAt ? Math.floor(expiresAt.getTime() / 1000) : undefined;
  if (previous?.jti === value && previous.expiresAtSeconds === expiresAtSeconds && (await tokens.find(value))) return;
  const remainingSeconds = expiresAtSeconds === undefined ? undefined : expiresAtSeconds - Math.floor(Date.now() / 1000);
  if (remainingSeconds !== undefined && remainingSeconds <= 0) {
    await tokens.destroy(value); // expired between reading the config and now
  } else {
    await mintInitialAccessToken(provider, { value, expiresInSeconds: remainingSeconds });
  }
  await pointer.upsert('current', { jti: value, ...(expiresAtSeconds === undefined ? {} : { expiresAtSeconds }) });
}
