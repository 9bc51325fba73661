package io.fathom.engine.cpu;

import io.fathom.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A {@code [rows, cols]} weight matrix quantized to symmetric int8, off-heap: each row is cut into blocks of
 * {@link #BLOCK} consecutive columns (the last one shorter when {@code cols} is not a multiple), and each block
 * keeps one scale, {@code max|w| / 127} rounded to f16 (as GGML's Q8_0 stores it: 34 bytes per 32 weights,
 * 6% more than the values alone, where an f32 scale would add 12%), and its values {@code round(w / scale)}
 * (half to even, with the rounded scale), clamped to [-127, 127]. An all-zero block has scale 0, as has one
 * whose max|w| is so small (at most 127 · 2⁻²⁵) that its f16 scale rounds to 0: its values are then 0. A weight
 * is {@code q · scale}, within {@code scale / 2} of the original while the scale is a normal f16 (max|w| ≥ 127 ·
 * 2⁻¹⁴); a subnormal scale is coarser, and clamping to 127 then costs up to 127 · 2⁻²⁵ (4e-6). A NaN or an
 * infinite weight, or a block beyond f16's range, is refused.
 *
 * <p>Laid out in panels of {@link #PANEL} rows, as {@link Bf16Panels}, so that {@link Int8MatMul} streams each
 * panel once: for each block of columns in turn, the 32 rows' scales (f16), then the block's columns one after
 * another, each as 32 bytes (one per row). The last panel is padded with zero rows.
 */
public final class Int8Matrix {

  /** Values per scale, along the input dimension. */
  public static final int BLOCK = 32;

  /** Rows per panel. */
  static final int PANEL = Bf16Panels.PANEL;

  /** Scales are f16 bit patterns, read with {@link Float#float16ToFloat}. */
  static final ValueLayout.OfShort SCALE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

  /** Bytes of a block's scales in a panel. */
  static final int SCALES_BYTES = PANEL * 2;

  private final String name;
  private final int rows;
  private final int cols;
  private final int blocksPerRow;
  private final MemorySegment data;

  private Int8Matrix(String name, int rows, int cols, MemorySegment data) {
    this.name = name;
    this.rows = rows;
    this.cols = cols;
    this.blocksPerRow = blocksPerRow(cols);
    this.data = data;
  }

  /**
   * Quantizes a rank-2 bf16/f16/f32 tensor into memory of {@code arena}, panels split over {@code parallel}
   * (the arena must let its threads write: shared, global or automatic).
   */
  public static Int8Matrix quantize(Tensor w, Arena arena, ParallelRunner parallel) {
    if (w.rank() != 2) {
      throw new IllegalArgumentException(w.name() + ": only matrices are quantized, got shape " + w.shape());
    }
    int rows = w.dim(0);
    int cols = w.dim(1);
    int blocks = blocksPerRow(cols);
    MemorySegment data = AnonymousMemory.allocate(byteSize(rows, cols), arena);
    long panelBytes = panelBytes(cols);
    parallel.forRange(
        Math.ceilDiv(rows, PANEL),
        (long) PANEL * cols * 4,
        (from, to) -> {
          float[] row = new float[cols];
          byte[] panel = new byte[(int) panelBytes];
          for (int p = from; p < to; p++) {
            if ((p + 1) * PANEL > rows) {
              java.util.Arrays.fill(panel, (byte) 0); // the last panel's padding rows; full panels are overwritten
            }
            for (int r = p * PANEL; r < Math.min(rows, (p + 1) * PANEL); r++) {
              int lane = r - p * PANEL;
              w.readFloats((long) r * cols, row, cols);
              for (int b = 0; b < blocks; b++) {
                int start = b * BLOCK;
                int end = Math.min(cols, start + BLOCK);
                float max = 0;
                for (int c = start; c < end; c++) {
                  max = Math.max(max, Math.abs(row[c]));
                }
                short bits = Float.floatToFloat16(max / 127f);
                float scale = Float.float16ToFloat(bits);
                if (Float.isNaN(max)) {
                  throw new IllegalArgumentException(
                      w.name() + ": row " + r + ", columns " + start + ".." + (end - 1) + " hold a NaN");
                }
                if (Float.isInfinite(scale)) {
                  throw new IllegalArgumentException(
                      w.name() + ": row " + r + ", columns " + start + ".." + (end - 1) + " reach |w| = " + max
                          + ", beyond what int8 blocks with an f16 scale hold (" + 127 * 65504f + ")");
                }
                int block = (int) blockOffset(b);
                panel[block + 2 * lane] = (byte) bits; // little-endian, as SCALE reads it
                panel[block + 2 * lane + 1] = (byte) (bits >> 8);
                for (int c = start; c < end; c++) {
                  panel[block + SCALES_BYTES + (c - start) * PANEL + lane] = quantize(row[c], scale);
                }
              }
            }
            MemorySegment.copy(panel, 0, data, ValueLayout.JAVA_BYTE, p * panelBytes, panel.length);
          }
        });
    return new Int8Matrix(w.name(), rows, cols, data);
  }

  /** {@code round(value / scale)} half to even, clamped to [-127, 127]; 0 for a zero scale. */
  static byte quantize(float value, float scale) {
    if (scale == 0) {
      return 0;
    }
    return (byte) Math.clamp((long) Math.rint(value / scale), -127, 127);
  }

  static int blocksPerRow(int cols) {
    return (cols + BLOCK - 1) / BLOCK;
  }

  public String name() {
    return name;
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  public int blocksPerRow() {
    return blocksPerRow;
  }

  /** Panels, the last one possibly padded. */
  int panels() {
    return Math.ceilDiv(rows, PANEL);
  }

  /** Bytes of one panel: every block's scales and values. */
  static long panelBytes(int cols) {
    return (long) blocksPerRow(cols) * SCALES_BYTES + (long) cols * PANEL;
  }

  /** Where block {@code b} starts within a panel (every block before it is full). */
  static long blockOffset(int b) {
    return (long) b * (SCALES_BYTES + BLOCK * PANEL);
  }

  /** The quantized value of {@code W[r, c]}. */
  public byte quant(int r, int c) {
    int b = c / BLOCK;
    return data.get(ValueLayout.JAVA_BYTE,
        r / PANEL * panelBytes(cols) + blockOffset(b) + SCALES_BYTES + (long) (c - b * BLOCK) * PANEL + r % PANEL);
  }

  /** The scale of block {@code block} (columns {@code [32·block, 32·block + 32)}) of row {@code r}. */
  public float scale(int r, int block) {
    return Float.float16ToFloat(data.get(SCALE, r / PANEL * panelBytes(cols) + blockOffset(block) + (r % PANEL) * 2L));
  }

  /** {@code W[r, c]} as the kernels see it: {@code quant · scale}. */
  public float dequantize(int r, int c) {
    return quant(r, c) * scale(r, c / BLOCK);
  }

  /** Bytes of quantized values and scales, the padding rows of the last panel included. */
  public long byteSize() {
    return data.byteSize();
  }

  /**
   * Bytes of quantized values and scales a {@code [rows, cols]} matrix takes (rows rounded up to whole panels):
   * {@link #byteSize()} before quantizing.
   */
  public static long byteSize(long rows, int cols) {
    return Math.ceilDiv(rows, PANEL) * panelBytes(cols);
  }

  /** The panels: see the class comment. */
  MemorySegment data() {
    return data;
  }
}
