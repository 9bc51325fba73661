package io.fathom.engine.runtime;

/**
 * A finished request's token accounting.
 *
 * @param cachedPromptTokens prompt tokens found in the prefix cache or the session's pin at first admission
 * @param computedPromptTokens prompt tokens run through the model (more than {@code promptTokens -
 *     cachedPromptTokens} only after a preemption)
 */
public record Usage(
    int promptTokens, int cachedPromptTokens, int computedPromptTokens, int generatedTokens, int preemptions) {}
