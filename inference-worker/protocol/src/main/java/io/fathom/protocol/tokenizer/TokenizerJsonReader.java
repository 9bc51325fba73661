package io.fathom.protocol.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamFactory;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a {@code tokenizer.json}. The large parts ({@code model.vocab}, {@code model.merges}) are streamed straight
 * into their final structures; the small sections are read as trees. Every problem is reported as a {@link
 * TokenizerFormatException} naming the JSON field.
 */
final class TokenizerJsonReader {

  /** Largest accepted token id; keeps a corrupt file from allocating a gigantic id table. */
  static final int MAX_TOKEN_ID = (1 << 24) - 1;

  // Immutable once built. Property names are not interned: 166k vocabulary keys would flood the intern table.
  // (Canonicalisation stays on: without it Jackson falls back from its UTF-8 byte parser to a slower Reader.)
  // The caller's stream is left open.
  private static final JsonMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder()
                  .disable(TokenStreamFactory.Feature.INTERN_PROPERTY_NAMES)
                  .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
                  .build())
          .build();

  private final JsonParser parser;
  private Vocabulary vocab;
  private String[] tokensById;
  private MergeTable merges;
  private List<String> deferredMerges;

  private TokenizerJsonReader(JsonParser parser) {
    this.parser = parser;
  }

  static TokenizerDefinition read(InputStream in) throws IOException {
    try (JsonParser parser = MAPPER.createParser(in)) {
      return new TokenizerJsonReader(parser).readDocument();
    } catch (JacksonIOException e) {
      throw e.getCause();
    } catch (JacksonException e) {
      throw new TokenizerFormatException("$", "malformed JSON: " + e.getOriginalMessage() + at(e.getLocation()), e);
    }
  }

  private static String at(TokenStreamLocation location) {
    if (location == null || location.getLineNr() < 0) {
      return "";
    }
    return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
  }

  private TokenizerDefinition readDocument() {
    JsonToken token = parser.nextToken();
    if (token != JsonToken.START_OBJECT) {
      throw new TokenizerFormatException("$", "expected a JSON object but found " + describe(token));
    }
    ModelSpec model = null;
    JsonNode addedTokens = null;
    JsonNode normalizer = null;
    JsonNode preTokenizer = null;
    JsonNode decoder = null;
    while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
      String name = parser.currentName();
      token = parser.nextToken();
      switch (name) {
        case "model" -> model = readModel(token);
        case "added_tokens" -> addedTokens = parser.readValueAsTree();
        case "normalizer" -> normalizer = parser.readValueAsTree();
        case "pre_tokenizer" -> preTokenizer = parser.readValueAsTree();
        case "decoder" -> decoder = parser.readValueAsTree();
        default -> parser.skipChildren();
      }
    }
    if (parser.nextToken() != null) {
      throw new TokenizerFormatException("$", "unexpected content after the top-level object");
    }
    if (model == null) {
      throw new TokenizerFormatException("model", "missing");
    }
    return new TokenizerDefinition(
        model,
        SectionParsers.addedTokens(addedTokens),
        SectionParsers.normalizer(normalizer),
        SectionParsers.preTokenizer(preTokenizer),
        SectionParsers.decoder(decoder));
  }

  private ModelSpec readModel(JsonToken token) {
    if (token != JsonToken.START_OBJECT) {
      throw new TokenizerFormatException("model", "expected an object but found " + describe(token));
    }
    boolean sawMerges = false;
    String unkToken = null;
    boolean fuseUnk = false;
    boolean byteFallback = false;
    boolean ignoreMerges = false;
    while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
      String name = parser.currentName();
      token = parser.nextToken();
      switch (name) {
        // checked at once: another model's vocab would otherwise fail first, with a confusing message
        case "type" -> checkModelType(string("model.type", token));
        case "vocab" -> readVocab(token);
        case "merges" -> {
          readMerges(token);
          sawMerges = true;
        }
        case "unk_token" -> unkToken = token == JsonToken.VALUE_NULL ? null : string("model.unk_token", token);
        case "fuse_unk" -> fuseUnk = bool("model.fuse_unk", token);
        case "byte_fallback" -> byteFallback = bool("model.byte_fallback", token);
        case "ignore_merges" -> ignoreMerges = bool("model.ignore_merges", token);
        case "dropout" -> checkNoDropout(token);
        case "continuing_subword_prefix", "end_of_word_suffix" -> checkNoAffix("model." + name, token);
        default -> parser.skipChildren();
      }
    }
    if (vocab == null) {
      throw new TokenizerFormatException("model.vocab", "missing");
    }
    if (!sawMerges) {
      throw new TokenizerFormatException("model.merges", "missing");
    }
    if (deferredMerges != null) { // "merges" came before "vocab" in the file
      for (int i = 0; i < deferredMerges.size(); i += 2) {
        char[] left = deferredMerges.get(i).toCharArray();
        char[] right = deferredMerges.get(i + 1).toCharArray();
        addMerge(i / 2, left, 0, left.length, right, 0, right.length);
      }
    }
    return new ModelSpec(vocab, tokensById, merges, unkToken, fuseUnk, byteFallback, ignoreMerges);
  }

  private static void checkModelType(String type) {
    if (!type.equals("BPE")) {
      throw new TokenizerFormatException(
          "model.type", "unsupported model type " + Strings.quote(type) + " (only BPE is supported)");
    }
  }

  private void readVocab(JsonToken token) {
    if (token != JsonToken.START_OBJECT) {
      throw new TokenizerFormatException("model.vocab", "expected an object but found " + describe(token));
    }
    vocab = new Vocabulary(1024);
    String[] byId = new String[1024];
    int maxId = -1;
    while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
      String name = parser.currentName();
      token = parser.nextToken();
      if (token != JsonToken.VALUE_NUMBER_INT) {
        throw new TokenizerFormatException(
            "model.vocab", "the id of token " + Strings.quote(name) + " must be an integer but is " + describe(token));
      }
      if (parser.getNumberType() != JsonParser.NumberType.INT
          || parser.getIntValue() < 0
          || parser.getIntValue() > MAX_TOKEN_ID) {
        throw new TokenizerFormatException(
            "model.vocab",
            "the id " + parser.getString() + " of token " + Strings.quote(name) + " is outside 0.." + MAX_TOKEN_ID);
      }
      int id = parser.getIntValue();
      if (vocab.putIfAbsent(name, id) != Vocabulary.ABSENT) {
        throw new TokenizerFormatException("model.vocab", "token " + Strings.quote(name) + " appears twice");
      }
      if (id >= byId.length) {
        byId = Arrays.copyOf(byId, Math.max(id + 1, byId.length * 2));
      }
      if (byId[id] != null) {
        throw new TokenizerFormatException(
            "model.vocab",
            "id " + id + " is used by both " + Strings.quote(byId[id]) + " and " + Strings.quote(name));
      }
      byId[id] = name;
      maxId = Math.max(maxId, id);
    }
    tokensById = Arrays.copyOf(byId, maxId + 1);
  }

  /** Reads the merges, resolving them to ids right away when the vocabulary has already been read. */
  private void readMerges(JsonToken token) {
    if (token != JsonToken.START_ARRAY) {
      throw new TokenizerFormatException("model.merges", "expected an array but found " + describe(token));
    }
    merges = new MergeTable(vocab == null ? 1024 : vocab.size());
    deferredMerges = vocab == null ? new ArrayList<>() : null;
    char[] scratch = new char[64];
    int index = 0;
    while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
      if (token == JsonToken.VALUE_STRING) {
        char[] text = parser.getStringCharacters();
        int offset = parser.getStringOffset();
        int length = parser.getStringLength();
        int space = -1;
        for (int i = offset; i < offset + length; i++) {
          if (text[i] == ' ') {
            if (space >= 0) {
              space = -2;
              break;
            }
            space = i;
          }
        }
        if (space < 0) {
          throw new TokenizerFormatException(
              mergeField(index),
              "expected two tokens separated by a single space but found "
                  + Strings.quote(new String(text, offset, length)));
        }
        addMerge(index, text, offset, space - offset, text, space + 1, offset + length - space - 1);
      } else if (token == JsonToken.START_ARRAY) {
        expectPairElement(index, parser.nextToken());
        int leftLength = parser.getStringLength();
        if (leftLength > scratch.length) {
          scratch = new char[Math.max(leftLength, scratch.length * 2)];
        }
        System.arraycopy(parser.getStringCharacters(), parser.getStringOffset(), scratch, 0, leftLength);
        expectPairElement(index, parser.nextToken());
        addMerge(
            index, scratch, 0, leftLength, parser.getStringCharacters(), parser.getStringOffset(),
            parser.getStringLength());
        if (parser.nextToken() != JsonToken.END_ARRAY) {
          throw new TokenizerFormatException(
              mergeField(index), "expected a pair [left, right] but found more than two elements");
        }
      } else {
        throw new TokenizerFormatException(
            mergeField(index), "expected \"left right\" or [left, right] but found " + describe(token));
      }
      index++;
    }
  }

  private static String mergeField(int index) {
    return "model.merges[" + index + "]";
  }

  private void expectPairElement(int index, JsonToken token) {
    if (token != JsonToken.VALUE_STRING) {
      throw new TokenizerFormatException(
          mergeField(index), "expected a pair of strings [left, right] but found " + describe(token));
    }
  }

  /** Resolves merge number {@code rank} (left and right token given as char regions) against the vocabulary. */
  private void addMerge(int rank, char[] l, int lOffset, int lLength, char[] r, int rOffset, int rLength) {
    if (vocab == null) {
      deferredMerges.add(new String(l, lOffset, lLength));
      deferredMerges.add(new String(r, rOffset, rLength));
      return;
    }
    int leftId = vocab.get(l, lOffset, lLength);
    if (leftId == Vocabulary.ABSENT) {
      throw new TokenizerFormatException(
          mergeField(rank), "token " + Strings.quote(new String(l, lOffset, lLength)) + " is not in model.vocab");
    }
    int rightId = vocab.get(r, rOffset, rLength);
    if (rightId == Vocabulary.ABSENT) {
      throw new TokenizerFormatException(
          mergeField(rank), "token " + Strings.quote(new String(r, rOffset, rLength)) + " is not in model.vocab");
    }
    int mergedId = vocab.get(l, lOffset, lLength, r, rOffset, rLength);
    if (mergedId == Vocabulary.ABSENT) {
      throw new TokenizerFormatException(
          mergeField(rank),
          "merged token "
              + Strings.quote(new String(l, lOffset, lLength) + new String(r, rOffset, rLength))
              + " is not in model.vocab");
    }
    merges.put(leftId, rightId, rank, mergedId);
  }

  private void checkNoDropout(JsonToken token) {
    if (token == JsonToken.VALUE_NULL) {
      return;
    }
    if (token != JsonToken.VALUE_NUMBER_FLOAT && token != JsonToken.VALUE_NUMBER_INT) {
      throw new TokenizerFormatException("model.dropout", "expected null or a number but found " + describe(token));
    }
    if (parser.getDoubleValue() != 0.0) {
      throw new TokenizerFormatException(
          "model.dropout", "BPE dropout " + parser.getString() + " is not supported (expected null or 0)");
    }
  }

  private void checkNoAffix(String field, JsonToken token) {
    if (token == JsonToken.VALUE_NULL) {
      return;
    }
    String value = string(field, token);
    if (!value.isEmpty()) {
      throw new TokenizerFormatException(field, Strings.quote(value) + " is not supported (expected null)");
    }
  }

  private String string(String field, JsonToken token) {
    if (token != JsonToken.VALUE_STRING) {
      throw new TokenizerFormatException(field, "expected a string but found " + describe(token));
    }
    return parser.getString();
  }

  private static boolean bool(String field, JsonToken token) {
    return switch (token) {
      case VALUE_TRUE -> true;
      case VALUE_FALSE, VALUE_NULL -> false;
      default -> throw new TokenizerFormatException(field, "expected true or false but found " + describe(token));
    };
  }

  static String describe(JsonToken token) {
    if (token == null) {
      return "the end of the input";
    }
    return switch (token) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT -> "an integer";
      case VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> token.name();
    };
  }
}
