/**
 * A tokenizer for Hugging Face {@code tokenizer.json} files of Llama / SentencePiece-style BPE models with byte
 * fallback (e.g. Nanbeige4.1-3B).
 *
 * <p>Entry point: {@link io.fathom.protocol.tokenizer.HfTokenizer}. Supported configurations: {@code model.type}
 * "BPE"; {@code normalizer} null or a (nested) Sequence of Prepend and literal-string Replace; {@code pre_tokenizer}
 * null or Metaspace (optionally the only element of a Sequence); {@code decoder} a Sequence of literal Replace /
 * Metaspace, ByteFallback, Fuse and Strip (leading only), or a lone Metaspace. The post-processor is ignored:
 * {@code encode} never adds BOS/EOS.
 */
package io.fathom.protocol.tokenizer;
