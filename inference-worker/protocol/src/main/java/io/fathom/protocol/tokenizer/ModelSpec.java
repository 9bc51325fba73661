package io.fathom.protocol.tokenizer;

/**
 * The {@code model} section of a {@code tokenizer.json}, read and resolved.
 *
 * @param vocab token text to id
 * @param tokensById id to token text; null where an id is unused
 * @param merges the ranked merges, resolved to ids
 * @param unkToken the unknown token, or null
 * @param fuseUnk consecutive unknown characters become one unknown token
 * @param byteFallback characters missing from the vocabulary become {@code <0xNN>} byte tokens
 * @param ignoreMerges a word that is itself in the vocabulary is emitted as that token without merging
 */
record ModelSpec(
    Vocabulary vocab,
    String[] tokensById,
    MergeTable merges,
    String unkToken,
    boolean fuseUnk,
    boolean byteFallback,
    boolean ignoreMerges) {}
