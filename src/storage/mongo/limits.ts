/**
 * The defaults of the MongoDB bounds that are settings (src/config.ts: MONGODB_SOCKET_TIMEOUT_MS,
 * MONGODB_MAX_POOL_SIZE), in a module of their own so reading the config doesn't load the driver.
 *
 * 5 s without an answer: every command the store sends is a single-document operation or an
 * indexed lookup, answered in milliseconds by a healthy server, so 5 s means a hung or overloaded
 * one. 20 connections: a request makes a few sequential calls of a millisecond or two, so 20 carry
 * thousands of calls a second from one process, and N processes hold at most 20 × N connections.
 */
export const DEFAULT_SOCKET_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_POOL_SIZE = 20;
