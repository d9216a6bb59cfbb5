/**
 * What a browser posts back from a WebAuthn ceremony, checked for shape before anything reads it
 * (a string field that is an object, a missing `response`, must be a refusal, not a crash), and
 * its client data checked for what @simplewebauthn/server v14 leaves to the relying party: a
 * ceremony run in a cross-origin frame (`crossOrigin`, `topOrigin`, WebAuthn Level 3 sections
 * 7.1 step 12 and 7.2 step 13). Our pages can't be framed (frame-ancestors 'none'); this refuses
 * the answer as well, whatever page made it.
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { ClientDataJSON } from '@simplewebauthn/server/helpers';
import { isPlainObject } from '../json-object.js';

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

function parse(input: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(input);
    return isPlainObject(value) && isText(value.id) && isPlainObject(value.response) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The client data, when the ceremony ran in a top-level page of its own origin. */
function topLevelClientData(encoded: string): ClientDataJSON | undefined {
  try {
    // The client data is base64url JSON (WebAuthn 5.8.1), read here as the library reads it again
    // when it verifies; importing its helper would load the whole library at start.
    const clientData = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as ClientDataJSON;
    if (!isPlainObject(clientData) || clientData.crossOrigin === true || clientData.topOrigin !== undefined) return undefined;
    return clientData;
  } catch {
    return undefined;
  }
}

export type Answer<T> = { response: T; clientData: ClientDataJSON };

export function registrationAnswer(input: string): Answer<RegistrationResponseJSON> | undefined {
  const value = parse(input);
  const response = value?.response as Record<string, unknown> | undefined;
  if (!value || !response || !isText(response.clientDataJSON) || !isText(response.attestationObject)) return undefined;
  if (response.transports !== undefined && !(Array.isArray(response.transports) && response.transports.every(isText))) return undefined;
  const clientData = topLevelClientData(response.clientDataJSON);
  return clientData ? { response: value as unknown as RegistrationResponseJSON, clientData } : undefined;
}

export function authenticationAnswer(input: string): Answer<AuthenticationResponseJSON> | undefined {
  const value = parse(input);
  const response = value?.response as Record<string, unknown> | undefined;
  if (!value || !response || !isText(response.clientDataJSON) || !isText(response.authenticatorData) || !isText(response.signature)) return undefined;
  if (response.userHandle !== undefined && typeof response.userHandle !== 'string') return undefined;
  const clientData = topLevelClientData(response.clientDataJSON);
  return clientData ? { response: value as unknown as AuthenticationResponseJSON, clientData } : undefined;
}
