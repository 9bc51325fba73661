/**
 * The KV cache: a pool of fixed-size blocks of off-heap f32 keys and values
 * ({@link io.fathom.engine.kv.KvCache}) and per-sequence {@link io.fathom.engine.kv.BlockTable}s mapping token
 * positions to blocks. Attention reads only through block tables, so reference-counted blocks shared
 * between sequences (prefix sharing, {@link io.fathom.engine.cache.BlockManager}) need no kernel change.
 */
package io.fathom.engine.kv;
