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
 * whose max|w| is so small (under 127 · 2⁻²⁵) that its f16 scale rounds to 0: its values are then 0. A weight
 * is {@code q · scale}, within {@code scale / 2} of the original. Quantized values are row-major bytes, scales
 * row-major f16 ({@code blocksPerRow} per row).
 */
public final class Int8Matrix {

  /** Values per scale, along the input dimension. */
  public static final int BLOCK = 32;

  /** Scales are f16 bit patterns, read with {@link Float#float16ToFloat}. */
  static final ValueLayout.OfShort SCALE = ValueLayout.JAVA_SHORT;

  private final String name;
  private final int rows;
  private final int cols;
  private final int blocksPerRow;
  private final MemorySegment quants;
  private final MemorySegment scales;

  private Int8Matrix(String name, int rows, int cols, MemorySegment quants, MemorySegment scales) {
    this.name = name;
    this.rows = rows;
    this.cols = cols;
    this.blocksPerRow = blocksPerRow(cols);
    this.quants = quants;
    this.scales = scales;
  }

  /**
   * Quantizes a rank-2 bf16/f16/f32 tensor into memory of {@code arena}, rows split over {@code parallel}
   * (the arena must let its threads write: shared, global or automatic).
   */
  public static Int8Matrix quantize(Tensor w, Arena arena, ParallelRunner parallel) {
    if (w.rank() != 2) {
      throw new IllegalArgumentException(w.name() + ": only matrices are quantized, got shape " + w.shape());
    }
    int rows = w.dim(0);
    int cols = w.dim(1);
    int blocks = blocksPerRow(cols);
    MemorySegment quants = arena.allocate((long) rows * cols, 64);
    MemorySegment scales = arena.allocate(SCALE, (long) rows * blocks);
    parallel.forRange(
        rows,
        (long) cols * 4,
        (from, to) -> {
          for (int r = from; r < to; r++) {
            long row = (long) r * cols;
            for (int b = 0; b < blocks; b++) {
              int start = b * BLOCK;
              int end = Math.min(cols, start + BLOCK);
              float max = 0;
              for (int c = start; c < end; c++) {
                max = Math.max(max, Math.abs(w.get(row + c)));
              }
              short bits = Float.floatToFloat16(max / 127f);
              float scale = Float.float16ToFloat(bits);
              if (Float.isInfinite(scale)) {
                throw new IllegalArgumentException(
                    w.name() + ": row " + r + ", columns " + start + ".." + (end - 1) + " reach |w| = " + max
                        + ", beyond what int8 blocks with an f16 scale hold (" + 127 * 65504f + ")");
              }
              scales.setAtIndex(SCALE, (long) r * blocks + b, bits);
              for (int c = start; c < end; c++) {
                quants.set(ValueLayout.JAVA_BYTE, row + c, quantize(w.get(row + c), scale));
              }
            }
          }
        });
    return new Int8Matrix(w.name(), rows, cols, quants, scales);
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

  /** The quantized value of {@code W[r, c]}. */
  public byte quant(int r, int c) {
    return quants.get(ValueLayout.JAVA_BYTE, (long) r * cols + c);
  }

  /** The scale of block {@code block} (columns {@code [32·block, 32·block + 32)}) of row {@code r}. */
  public float scale(int r, int block) {
    return Float.float16ToFloat(scales.getAtIndex(SCALE, (long) r * blocksPerRow + block));
  }

  /** {@code W[r, c]} as the kernels see it: {@code quant · scale}. */
  public float dequantize(int r, int c) {
    return quant(r, c) * scale(r, c / BLOCK);
  }

  /** Bytes of quantized values and scales. */
  public long byteSize() {
    return quants.byteSize() + scales.byteSize();
  }

  /** Bytes of quantized values and scales a {@code [rows, cols]} matrix takes: {@link #byteSize()} before quantizing. */
  public static long byteSize(long rows, int cols) {
    return rows * cols + rows * blocksPerRow(cols) * SCALE.byteSize();
  }

  /** Row-major quantized values, {@code rows × cols} bytes. */
  MemorySegment quants() {
    return quants;
  }

  /** Row-major scales, {@code rows × blocksPerRow} f16 bit patterns ({@link #SCALE}). */
  MemorySegment scales() {
    return scales;
  }
}
