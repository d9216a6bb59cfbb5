/**
 * Which security events are refusals and failures: what an operator may alert on, and what a
 * stranger can cause at will (a cross-site post, a wrong password, a throttled page). The rest
 * (sign-ins, changes, deliveries) happen only for people and admins.
 */
const REFUSALS_AND_FAILURES = /(failed|throttled|refused|overloaded)$/;

export const isRefusalOrFailure = (type: string): boolean => REFUSALS_AND_FAILURES.test(type);
