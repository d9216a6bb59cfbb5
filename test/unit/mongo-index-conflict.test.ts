import mongoose from 'mongoose';
import { conflictingIndex, indexConflictError, isIndexConflict, type ExistingIndex } from '../../src/storage/mongo/index-conflict.js';
import type { IndexSpec } from '../../src/storage/mongo/index-plan.js';

const ttl: IndexSpec = { key: { expiresAt: 1 }, options: { expireAfterSeconds: 0 } };
const uid: IndexSpec = { key: { uid: 1 }, options: { sparse: true } };
const serverError = (code: number, message: string) => new mongoose.mongo.MongoServerError({ message, code, ok: 0 });

describe('an index conflict at start-up', () => {
  it('is told apart from an outage by its MongoDB codes (85, 86, and duplicates under a unique index)', () => {
    expect(isIndexConflict(serverError(85, 'IndexOptionsConflict'))).toBe(true);
    expect(isIndexConflict(serverError(86, 'IndexKeySpecsConflict'))).toBe(true);
    expect(isIndexConflict(serverError(11000, 'E11000 duplicate key'))).toBe(true);
    expect(isIndexConflict(new mongoose.mongo.MongoNetworkError('connection closed'))).toBe(false);
    expect(isIndexConflict(serverError(13, 'not authorized'))).toBe(false);
  });

  it('finds the existing index in the way: the same name first, else the same keys', () => {
    const existing: ExistingIndex[] = [{ v: 2, key: { _id: 1 }, name: '_id_' }, { v: 2, key: { expiresAt: 1 }, name: 'ttl', expireAfterSeconds: 60 }];
    expect(conflictingIndex(ttl, existing)?.name).toBe('ttl');
    expect(conflictingIndex(ttl, [...existing, { v: 2, key: { other: 1 }, name: 'expiresAt_1' }])?.name).toBe('expiresAt_1');
    expect(conflictingIndex(uid, existing)).toBeUndefined();
  });

  it('names the collection, both indexes and a collMod when only the TTL differs', () => {
    const error = indexConflictError('oidc_Session', ttl, { v: 2, key: { expiresAt: 1 }, name: 'expiresAt_1', expireAfterSeconds: 3600 }, serverError(85, 'An equivalent index already exists with the same name but different options'));
    expect(error).toMatchObject({ code: 'storage_index_conflict', status: 500, expose: true });
    expect(error.message).toContain('collection "oidc_Session"');
    expect(error.message).toContain('needs index "expiresAt_1" on {"expiresAt":1} with {"expireAfterSeconds":0}');
    expect(error.message).toContain('the database has "expiresAt_1" on {"expiresAt":1} with {"expireAfterSeconds":3600}');
    expect(error.message).toContain('Fix: db.runCommand({ collMod: "oidc_Session", index: { name: "expiresAt_1", expireAfterSeconds: 0 } }), then start the IdP again.');
    expect(error.message).toContain('(MongoDB: An equivalent index already exists');
  });

  it('says to drop an index with other keys, another name or other options', () => {
    const otherName = indexConflictError('oidc_Session', ttl, { v: 2, key: { expiresAt: 1 }, name: 'expires', expireAfterSeconds: 0 }, serverError(85, 'Index already exists with a different name'));
    expect(otherName.message).toContain('Fix: db.getCollection("oidc_Session").dropIndex("expires"), then start the IdP again (it builds ours).');
    const otherKeys = indexConflictError('oidc_Grant', uid, { v: 2, key: { uid: -1 }, name: 'uid_1' }, serverError(86, 'An existing index has the same name as the requested index but different keys'));
    expect(otherKeys.message).toContain('the database has "uid_1" on {"uid":-1}');
    expect(otherKeys.message).toContain('dropIndex("uid_1")');
    const notTtl = indexConflictError('oidc_Session', ttl, { v: 2, key: { expiresAt: 1 }, name: 'expiresAt_1' }, serverError(85, 'different options'));
    expect(notTtl.message).toContain('dropIndex("expiresAt_1")');
  });

  it('says how to look when the existing index could not be read', () => {
    const error = indexConflictError('keys', { key: { removeAfter: 1 }, options: { expireAfterSeconds: 0 } }, undefined, serverError(85, 'conflict'));
    expect(error.message).toContain('Fix: look at db.getCollection("keys").getIndexes(), drop the index that conflicts with "removeAfter_1"');
  });

  it('asks for duplicates to be removed when a unique index can\'t be built', () => {
    const error = indexConflictError('accounts', { key: { emailNormalized: 1 }, options: { unique: true } }, undefined, serverError(11000, 'E11000 duplicate key error'));
    expect(error.message).toContain('Cannot build the unique index "emailNormalized_1" on {"emailNormalized":1} with {"unique":true} in MongoDB collection "accounts"');
    expect(error.message).toContain('remove the duplicates');
  });
});
