/** Every surface the fuzzer attacks, with its share of the run. */
import type { Surface } from './build.js';
import { IDP_AUTHORIZATION_SURFACES } from './idp-authorization.js';
import { IDP_METADATA_SURFACES } from './idp-metadata.js';
import { IDP_PAGE_SURFACES } from './idp-pages.js';
import { IDP_REGISTRATION_SURFACES } from './idp-registration.js';
import { IDP_TOKEN_SURFACES } from './idp-tokens.js';
import { ODD_HTTP } from './odd-http.js';
import { SITE_SURFACES } from './sites.js';

export const SURFACES: Surface[] = [...IDP_AUTHORIZATION_SURFACES, ...IDP_TOKEN_SURFACES, ...IDP_REGISTRATION_SURFACES, ...IDP_METADATA_SURFACES, ...IDP_PAGE_SURFACES, ...SITE_SURFACES, ODD_HTTP];
