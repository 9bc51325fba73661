package io.fathom.engine.load;

import io.fathom.engine.tensor.DType;
import io.fathom.engine.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One memory-mapped {@code .safetensors} file: an 8-byte little-endian header length, a JSON header
 * mapping tensor names to {@code {dtype, shape, data_offsets}}, then the raw little-endian data. Every
 * header entry is validated against the file before any tensor is handed out, so a tensor's segment
 * always lies inside the mapping. The mapping lives as long as the arena it was opened with.
 */
public final class SafetensorsFile {

  /** Bound on the JSON header (the safetensors reference implementation uses the same 100 MB limit). */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  private static final String METADATA_KEY = "__metadata__";
  private static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final JsonMapper JSON =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private final Path path;
  private final SequencedMap<String, Tensor> tensors;
  private final Map<String, String> metadata;

  private SafetensorsFile(Path path, SequencedMap<String, Tensor> tensors, Map<String, String> metadata) {
    this.path = path;
    this.tensors = Collections.unmodifiableSequencedMap(tensors);
    this.metadata = Map.copyOf(metadata);
  }

  /** Maps {@code path} into {@code arena} and validates its header; the tensors' data is not copied. */
  public static SafetensorsFile open(Path path, Arena arena) throws IOException {
    String file = path.getFileName().toString();
    MemorySegment mapped;
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size < 8) {
        throw new CheckpointException(file + ": " + size + " bytes, too short for the 8-byte header length");
      }
      mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
    }
    long headerLength = mapped.get(U64_LE, 0);
    if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
      throw new CheckpointException(
          file + ": header length " + Long.toUnsignedString(headerLength) + " is above the limit of "
              + MAX_HEADER_BYTES + " bytes");
    }
    if (8 + headerLength > mapped.byteSize()) {
      throw new CheckpointException(
          file + ": header length " + headerLength + " runs past the end of the file ("
              + mapped.byteSize() + " bytes); the file is truncated or not safetensors");
    }
    byte[] header = mapped.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
    MemorySegment data = mapped.asSlice(8 + headerLength);
    Map<String, String> metadata = new LinkedHashMap<>();
    List<Entry> entries = parseHeader(file, header, data.byteSize(), metadata);
    SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
    for (Entry e : entries) {
      tensors.put(e.name, new Tensor(e.name, e.dtype, e.shape, data.asSlice(e.begin, e.end - e.begin)));
    }
    return new SafetensorsFile(path, tensors, metadata);
  }

  public Path path() {
    return path;
  }

  /** The tensors in data order. */
  public SequencedMap<String, Tensor> tensors() {
    return tensors;
  }

  /** The header's {@code __metadata__} string map (empty when absent). */
  public Map<String, String> metadata() {
    return metadata;
  }

  private record Entry(String name, DType dtype, List<Long> shape, long begin, long end) {}

  /** Parses and validates a header against a data section of {@code dataLength} bytes. */
  private static List<Entry> parseHeader(String file, byte[] header, long dataLength, Map<String, String> metadata) {
    JsonNode root;
    try {
      root = JSON.readTree(header);
    } catch (JacksonException e) {
      throw new CheckpointException(file + ": header is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new CheckpointException(file + ": header must be a JSON object");
    }
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<String, JsonNode> field : root.properties()) {
      String name = field.getKey();
      JsonNode node = field.getValue();
      if (name.equals(METADATA_KEY)) {
        readMetadata(file, node, metadata);
      } else {
        entries.add(entry(file, name, node, dataLength));
      }
    }
    checkNoOverlap(file, entries);
    entries.sort(Comparator.comparingLong(Entry::begin));
    return entries;
  }

  private static Entry entry(String file, String name, JsonNode node, long dataLength) {
    String where = file + ": tensor '" + name + "'";
    if (!node.isObject()) {
      throw new CheckpointException(where + ": header entry must be an object, got " + node.getNodeType());
    }
    JsonNode dtypeNode = node.get("dtype");
    if (dtypeNode == null || !dtypeNode.isString()) {
      throw new CheckpointException(where + ": \"dtype\" must be a string");
    }
    String dtypeName = dtypeNode.stringValue();
    DType dtype =
        DType.fromSafetensors(dtypeName)
            .orElseThrow(
                () ->
                    new CheckpointException(
                        where + " has unsupported dtype " + dtypeName + "; the engine reads "
                            + Arrays.toString(DType.values())));
    List<Long> shape = longs(where, node.get("shape"), "shape", -1);
    List<Long> offsets = longs(where, node.get("data_offsets"), "data_offsets", 2);
    long begin = offsets.get(0);
    long end = offsets.get(1);
    if (begin > end) {
      throw new CheckpointException(where + ": data_offsets " + offsets + " end before they begin");
    }
    long expectedBytes;
    try {
      expectedBytes = Math.multiplyExact(Tensor.elementCount(shape), dtype.bytes());
    } catch (ArithmeticException e) {
      throw new CheckpointException(where + ": shape " + shape + " is too large");
    }
    if (end - begin != expectedBytes) {
      throw new CheckpointException(
          where + ": data_offsets " + offsets + " span " + (end - begin) + " bytes, but shape " + shape
              + " of " + dtype + " needs " + expectedBytes);
    }
    if (end > dataLength) {
      throw new CheckpointException(
          where + ": data ends at byte " + end + " of the data section, but the file holds only "
              + dataLength + " bytes of data (truncated file?)");
    }
    return new Entry(name, dtype, shape, begin, end);
  }

  /** Reads an array of non-negative integers; {@code length} -1 means any length. */
  private static List<Long> longs(String where, JsonNode node, String field, int length) {
    if (node == null || !node.isArray() || (length >= 0 && node.size() != length)) {
      throw new CheckpointException(
          where + ": \"" + field + "\" must be an array of " + (length >= 0 ? length + " " : "")
              + "non-negative integers, got " + node);
    }
    List<Long> values = new ArrayList<>(node.size());
    for (JsonNode v : node) {
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
        throw new CheckpointException(
            where + ": \"" + field + "\" must hold non-negative integers, got " + v);
      }
      values.add(v.longValue());
    }
    return List.copyOf(values);
  }

  private static void readMetadata(String file, JsonNode node, Map<String, String> metadata) {
    if (node.isNull()) {
      return;
    }
    if (!node.isObject()) {
      throw new CheckpointException(file + ": \"" + METADATA_KEY + "\" must be an object of strings");
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!e.getValue().isString()) {
        throw new CheckpointException(
            file + ": \"" + METADATA_KEY + "\"." + e.getKey() + " must be a string, got " + e.getValue());
      }
      metadata.put(e.getKey(), e.getValue().stringValue());
    }
  }

  private static void checkNoOverlap(String file, List<Entry> entries) {
    List<Entry> byBegin = new ArrayList<>(entries);
    byBegin.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    for (int i = 1; i < byBegin.size(); i++) {
      Entry previous = byBegin.get(i - 1);
      Entry current = byBegin.get(i);
      if (current.begin < previous.end) {
        throw new CheckpointException(
            file + ": tensors '" + previous.name + "' and '" + current.name + "' overlap in the data section");
      }
    }
  }
}
