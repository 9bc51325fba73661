package io.fathom.engine.runtime;

import io.fathom.engine.cache.CacheStats;

/**
 * Counters since the engine started, and its current load.
 *
 * @param promptTokensComputed prompt tokens run through the model (prefill)
 * @param otherTokensComputed decodes, and output tokens recomputed after preemption
 */
public record EngineStats(
    long steps,
    long promptTokensComputed,
    long otherTokensComputed,
    long preemptions,
    int running,
    int waiting,
    CacheStats cache) {}
