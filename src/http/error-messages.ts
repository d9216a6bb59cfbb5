/**
 * Words for people. Protocol error codes are for programs; the error page says what happened in
 * plain language and never shows internals (a 5xx always reads the same).
 */
export interface ErrorPage {
  title: string;
  message: string;
  code?: string;
  detail?: string;
}

const BY_CODE: Record<string, Omit<ErrorPage, 'code'>> = {
  invalid_request: { title: 'This sign-in link is not valid', message: 'The application that sent you here made a request we could not accept.' },
  invalid_client: { title: 'Unknown application', message: 'The application that sent you here is not registered with this sign-in service.' },
  invalid_redirect_uri: { title: 'This sign-in link is not valid', message: 'The application asked to send you back to an address it has not registered, so we stopped here to keep you safe.' },
  unauthorized_client: { title: 'Application not allowed', message: 'This application is not allowed to make this kind of request.' },
  access_denied: { title: 'Access denied', message: 'The request was not allowed.' },
  invalid_scope: { title: 'This sign-in link is not valid', message: 'The application asked for permissions we do not offer.' },
  invalid_target: { title: 'This sign-in link is not valid', message: 'The application asked for access to a service we do not know.' },
  session_not_found: { title: 'Your sign-in took too long', message: 'This sign-in page has expired or was opened in another browser. Go back to the application and start again.' },
  csrf_rejected: { title: 'Request refused', message: 'This form was sent from another site, so we did not act on it.' },
  not_found: { title: 'Page not found', message: 'There is nothing at this address.' },
  method_not_allowed: { title: 'This page cannot be opened this way', message: 'It only answers the forms of the sign-in pages. Go back to the application and start again.' },
  storage_unavailable: { title: 'Temporarily unavailable', message: 'The sign-in service cannot reach its storage right now. Please try again in a moment.' },
  overloaded: { title: 'Busy right now', message: 'The sign-in service is handling too many requests at once. Please try again in a moment.' },
  rate_limited: { title: 'Too many requests', message: 'Too many requests came from your network in a short time. Please wait a little and try again.' },
  // Refused by the HTTP parser before any page ran (parser-refusals.ts).
  unreadable_request: { title: 'This request could not be read', message: 'Your browser or application sent a request this service could not understand. Go back and try again.' },
  request_timeout: { title: 'This request took too long', message: 'Your browser or application did not finish sending its request in time. Please try again.' },
  request_too_large: { title: 'This request is too large', message: 'Your browser or application sent more than this service accepts in one request.' },
  headers_too_large: { title: 'Your browser sent too much', message: "The request's headers were too large, usually because of too many or too large cookies. Clearing this site's cookies in your browser and starting again fixes it." },
};

/** 5xx codes whose page may say what happened: they describe load, not internals. */
const SPEAKING_5XX = new Set(['storage_unavailable', 'overloaded']);

const SERVER_ERROR: ErrorPage = { title: 'Something went wrong', message: 'We could not complete this request. Please try again later.' };

export function describeProtocolError(code: string, description: string | undefined, status: number): ErrorPage {
  if (status >= 500 || code === 'server_error') return SERVER_ERROR;
  const known = BY_CODE[code] ?? { title: 'This request could not be completed', message: 'The application that sent you here made a request we could not accept.' };
  return { ...known, code, detail: description };
}

export function describeAppError(code: string, message: string, status: number, expose: boolean): ErrorPage {
  if (status >= 500 && !SPEAKING_5XX.has(code)) return SERVER_ERROR;
  const known = BY_CODE[code];
  return { title: known?.title ?? 'Request refused', message: known?.message ?? (expose ? message : SERVER_ERROR.message), code };
}
