package io.fathom.protocol.tokenizer;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json} tokenizer for Llama / SentencePiece-style BPE models with byte fallback.
 *
 * <p>Encoding follows Hugging Face tokenizers: added tokens are split out first (leftmost-longest; special-token
 * text in the input becomes those tokens), each remaining piece is normalised (Prepend / Replace), pre-tokenised
 * (Metaspace) and encoded by BPE. No BOS/EOS is added. Decoding applies the decoder (Replace / Metaspace,
 * ByteFallback, Fuse, Strip). Immutable and thread-safe.
 */
public final class HfTokenizer {

  private final BpeModel model;
  private final String[] tokens;
  private final BitSet special;
  private final List<AddedToken> addedTokens;
  private final Map<String, Integer> addedIds;
  private final AddedTokenMatcher rawMatcher;
  private final AddedTokenMatcher normalizedMatcher;
  private final Normalizer normalizer;
  private final MetaspacePreTokenizer metaspace;
  private final DecoderPipeline decoder;

  private HfTokenizer(TokenizerDefinition definition) {
    this.model = BpeModel.build(definition.model());
    this.normalizer = definition.normalizer();
    this.metaspace = definition.metaspace();
    this.decoder = definition.decoder();
    this.addedTokens = definition.addedTokens();

    String[] modelTokens = definition.model().tokensById();
    int size = modelTokens.length;
    for (AddedToken token : addedTokens) {
      size = Math.max(size, token.id() + 1);
    }
    this.tokens = Arrays.copyOf(modelTokens, size);
    this.special = new BitSet(tokens.length);
    this.addedIds = new HashMap<>();
    List<AddedToken> raw = new ArrayList<>();
    List<AddedToken> normalized = new ArrayList<>();
    for (AddedToken token : addedTokens) {
      tokens[token.id()] = token.content(); // added tokens take precedence, as in Hugging Face tokenizers
      special.set(token.id(), token.special());
      addedIds.put(token.content(), token.id());
      (token.normalized() ? normalized : raw).add(token);
    }
    this.rawMatcher = new AddedTokenMatcher(raw, content -> content);
    this.normalizedMatcher = new AddedTokenMatcher(normalized, normalizer::apply);
  }

  /**
   * Loads a {@code tokenizer.json}.
   *
   * @throws TokenizerFormatException if the file is malformed or uses an unsupported feature
   * @throws IOException if the file cannot be read
   */
  public static HfTokenizer load(Path path) throws IOException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
      return load(in);
    }
  }

  /**
   * Loads a {@code tokenizer.json} from a stream (not closed).
   *
   * @throws TokenizerFormatException if the content is malformed or uses an unsupported feature
   * @throws IOException if the stream cannot be read
   */
  public static HfTokenizer load(InputStream in) throws IOException {
    Objects.requireNonNull(in, "in");
    return new HfTokenizer(TokenizerJsonReader.read(in));
  }

  /** Encodes {@code text} without adding BOS/EOS. Lone surrogates are encoded as U+FFFD. */
  public int[] encode(String text) {
    Objects.requireNonNull(text, "text");
    IntArrayBuilder out = new IntArrayBuilder(text.length() / 2 + 8);
    BpeModel.Workspace ws = model.newWorkspace();
    if (rawMatcher.isEmpty()) {
      encodeRawPiece(text, true, ws, out);
    } else {
      rawMatcher.split(
          text,
          (start, end, token) -> {
            if (token != null) {
              out.add(token.id());
            } else {
              encodeRawPiece(text.substring(start, end), start == 0, ws, out);
            }
          });
    }
    return out.toArray();
  }

  /**
   * Encodes {@code text} like {@link #encode(String)}, except that inside the given spans the text of an added
   * token is plain text: untrusted content (a task, a tool result, a web page) that contains {@code <|im_end|>}
   * cannot close a turn. A piece between honoured added tokens that holds such a span is encoded whole, as
   * {@link #encode(String)} would encode it if the token were not in the vocabulary (added tokens that match
   * after normalisation are not looked for in that piece).
   *
   * @param literalBounds sorted, non-overlapping {@code [start, end)} pairs of char offsets into {@code text}
   * @throws IllegalArgumentException if the bounds are unsorted, overlapping or outside the text
   */
  public int[] encode(String text, int[] literalBounds) {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(literalBounds, "literalBounds");
    if (literalBounds.length % 2 != 0) {
      throw new IllegalArgumentException("literalBounds has an odd length " + literalBounds.length);
    }
    for (int i = 0; i < literalBounds.length; i++) {
      int lower = i == 0 ? 0 : literalBounds[i - 1];
      if (literalBounds[i] < lower || literalBounds[i] > text.length()) {
        throw new IllegalArgumentException("literalBounds[" + i + "] = " + literalBounds[i] + " is out of order or outside the text");
      }
    }
    if (literalBounds.length == 0 || rawMatcher.isEmpty()) {
      return encode(text);
    }
    IntArrayBuilder out = new IntArrayBuilder(text.length() / 2 + 8);
    BpeModel.Workspace ws = model.newWorkspace();
    int[] pieceStart = {-1};
    boolean[] pieceLiteral = {false};
    rawMatcher.split(
        text,
        (start, end, token) -> {
          if (token != null && !overlaps(literalBounds, start, end)) {
            flushPiece(text, pieceStart[0], start, pieceLiteral[0], ws, out);
            pieceStart[0] = -1;
            pieceLiteral[0] = false;
            out.add(token.id());
            return;
          }
          if (pieceStart[0] < 0) {
            pieceStart[0] = start;
          }
          pieceLiteral[0] |= token != null || overlaps(literalBounds, start, end);
        });
    flushPiece(text, pieceStart[0], text.length(), pieceLiteral[0], ws, out);
    return out.toArray();
  }

  private void flushPiece(String text, int start, int end, boolean literal, BpeModel.Workspace ws, IntArrayBuilder out) {
    if (start < 0 || start >= end) {
      return;
    }
    String raw = text.substring(start, end);
    if (literal) {
      encodeNormalizedPiece(normalizer.apply(raw), start == 0, ws, out);
    } else {
      encodeRawPiece(raw, start == 0, ws, out);
    }
  }

  private static boolean overlaps(int[] bounds, int start, int end) {
    for (int i = 0; i < bounds.length; i += 2) {
      if (bounds[i] < end && start < bounds[i + 1]) {
        return true;
      }
    }
    return false;
  }

  private void encodeRawPiece(String raw, boolean atOrigin, BpeModel.Workspace ws, IntArrayBuilder out) {
    String normalized = normalizer.apply(raw);
    if (normalizedMatcher.isEmpty()) {
      encodeNormalizedPiece(normalized, atOrigin, ws, out);
    } else {
      normalizedMatcher.split(
          normalized,
          (start, end, token) -> {
            if (token != null) {
              out.add(token.id());
            } else {
              encodeNormalizedPiece(normalized.substring(start, end), atOrigin && start == 0, ws, out);
            }
          });
    }
  }

  private void encodeNormalizedPiece(String piece, boolean atOrigin, BpeModel.Workspace ws, IntArrayBuilder out) {
    if (metaspace == null) {
      model.encode(piece, 0, piece.length(), ws, out);
      return;
    }
    String s = metaspace.prepare(piece, atOrigin);
    if (!metaspace.split()) {
      model.encode(s, 0, s.length(), ws, out);
      return;
    }
    // Split before every replacement character ("▁a▁▁b" -> "▁a", "▁", "▁b").
    String replacement = metaspace.replacement();
    int start = 0;
    int from = 0;
    while (true) {
      int at = s.indexOf(replacement, from);
      if (at < 0) {
        model.encode(s, start, s.length(), ws, out);
        return;
      }
      if (at > start) {
        model.encode(s, start, at, ws, out);
        start = at;
      }
      from = at + replacement.length();
    }
  }

  /**
   * Decodes ids to text.
   *
   * @param skipSpecial drop special added tokens (e.g. {@code <|im_end|>}); non-special added tokens such as
   *     {@code <think>} are kept
   * @throws IllegalArgumentException if an id is not in the vocabulary
   */
  public String decode(int[] ids, boolean skipSpecial) {
    Objects.requireNonNull(ids, "ids");
    IncrementalDecoder d = new IncrementalDecoder(this, skipSpecial);
    StringBuilder sb = new StringBuilder(ids.length * 4);
    for (int id : ids) {
      d.decodeTo(id, sb);
    }
    d.finishTo(sb);
    return sb.toString();
  }

  /** A decoder for a stream of generated ids; see {@link IncrementalDecoder}. */
  public IncrementalDecoder newIncrementalDecoder(boolean skipSpecial) {
    return new IncrementalDecoder(this, skipSpecial);
  }

  /** One more than the largest token id. */
  public int vocabSize() {
    return tokens.length;
  }

  /** The id of a token (added tokens first, then the model vocabulary). */
  public OptionalInt tokenToId(String token) {
    Integer added = addedIds.get(token);
    if (added != null) {
      return OptionalInt.of(added);
    }
    int id = model.tokenToId(token);
    return id == Vocabulary.ABSENT ? OptionalInt.empty() : OptionalInt.of(id);
  }

  /**
   * The raw text of a token, e.g. {@code ▁hello} or {@code <0x0A>}.
   *
   * @throws IllegalArgumentException if the id is not in the vocabulary
   */
  public String idToToken(int id) {
    String token = id >= 0 && id < tokens.length ? tokens[id] : null;
    if (token == null) {
      throw new IllegalArgumentException(
          "token id " + id + " is not in the vocabulary (ids 0.." + (tokens.length - 1) + ")");
    }
    return token;
  }

  /** Whether the id is a special added token (dropped by {@code decode(ids, true)}). */
  public boolean isSpecial(int id) {
    return id >= 0 && special.get(id);
  }

  /** The {@code added_tokens} of the file, in file order. */
  public List<AddedToken> addedTokens() {
    return addedTokens;
  }

  /** The number of BPE merges. */
  public int mergeCount() {
    return model.mergeCount();
  }

  /** Whether BPE cuts long words before "▁" (an exact optimisation, see {@link BpeModel}). */
  boolean splitsBeforeMetaspace() {
    return model.splitsBeforeMeta();
  }

  DecoderPipeline decoderPipeline() {
    return decoder;
  }
}
