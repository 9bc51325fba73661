/**
 * KV block management above the raw pool of {@link io.fathom.engine.kv}: the
 * {@link io.fathom.engine.cache.BlockManager} (reference counts, a hash-chained prefix index over full
 * blocks checked against stored tokens, LRU eviction of unreferenced cached blocks, session pins with a TTL)
 * and its {@link io.fathom.engine.cache.CacheStats}.
 */
package io.fathom.engine.cache;
