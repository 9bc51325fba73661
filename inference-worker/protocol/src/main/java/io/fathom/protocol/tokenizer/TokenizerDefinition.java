package io.fathom.protocol.tokenizer;

import java.util.List;

/**
 * Everything read from a {@code tokenizer.json}, validated field by field but not yet assembled.
 *
 * @param model the BPE model section
 * @param addedTokens the {@code added_tokens} entries, in file order
 * @param normalizer the normalizer ({@link Normalizer#IDENTITY} when absent)
 * @param metaspace the Metaspace pre-tokenizer, or null when there is none
 * @param decoder the decoder
 */
record TokenizerDefinition(
    ModelSpec model,
    List<AddedToken> addedTokens,
    Normalizer normalizer,
    MetaspacePreTokenizer metaspace,
    DecoderPipeline decoder) {

  TokenizerDefinition {
    addedTokens = List.copyOf(addedTokens);
  }
}
