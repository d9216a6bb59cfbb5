// oidc-provider ships no types for its own memory adapter and LRU (deep imports, no `exports` map).
declare module 'oidc-provider/lib/adapters/memory_adapter.js' {
  import type { Adapter } from 'oidc-provider';
  export default class MemoryAdapter implements Adapter {
    constructor(model: string, store: object, clockTolerance?: number);
    upsert: Adapter['upsert'];
    find: Adapter['find'];
    findByUid: Adapter['findByUid'];
    findByUserCode: Adapter['findByUserCode'];
    consume: Adapter['consume'];
    destroy: Adapter['destroy'];
    revokeByGrantId: Adapter['revokeByGrantId'];
  }
}

declare module 'oidc-provider/lib/helpers/lru.js' {
  export default class LRU {
    constructor(options: { maxSize: number });
  }
}
