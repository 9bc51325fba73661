package io.fathom.engine.cpu;

import io.fathom.engine.tensor.Bf16;
import io.fathom.engine.tensor.DType;
import io.fathom.engine.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A {@code [rows, cols]} bf16 weight matrix repacked at load into panels of {@link #PANEL} rows, off-heap: panel
 * {@code p} holds rows {@code 32p .. 32p+31}, column by column, so that column {@code c} of the panel is 32
 * consecutive bf16 values (64 bytes, one cache line). A matrix-vector product then reads each panel as one
 * sequential stream and gets 32 outputs from each column without any horizontal sum ({@link Bf16PanelMatMul}).
 * The values are the checkpoint's bits, unchanged; the last panel is padded with zero rows when {@code rows} is
 * not a multiple of 32.
 */
final class Bf16Panels {

  /** Rows per panel: two vectors of 16 f32 lanes. */
  static final int PANEL = 2 * WeightVectors.LANES;

  private static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final String name;
  private final int rows;
  private final int cols;
  private final MemorySegment data;

  private Bf16Panels(String name, int rows, int cols, MemorySegment data) {
    this.name = name;
    this.rows = rows;
    this.cols = cols;
    this.data = data;
  }

  /**
   * Repacks a rank-2 bf16 tensor into memory of {@code arena} (shared, global or automatic: the runner's threads
   * write it), panels split over {@code parallel}.
   */
  static Bf16Panels pack(Tensor w, Arena arena, ParallelRunner parallel) {
    if (w.rank() != 2 || w.dtype() != DType.BF16) {
      throw new IllegalArgumentException(
          w.name() + ": only bf16 matrices are packed into panels, got " + w.dtype() + " " + w.shape());
    }
    int rows = w.dim(0);
    int cols = w.dim(1);
    int panels = Math.ceilDiv(rows, PANEL);
    MemorySegment data = AnonymousMemory.allocate((long) panels * PANEL * cols * 2, arena);
    MemorySegment source = w.data();
    parallel.forRange(
        panels,
        (long) PANEL * cols,
        (from, to) -> {
          short[] rowMajor = new short[PANEL * cols];
          short[] panel = new short[PANEL * cols];
          for (int p = from; p < to; p++) {
            int count = Math.min(PANEL, rows - p * PANEL);
            if (count < PANEL) {
              Arrays.fill(panel, (short) 0); // the padding rows of the last panel
            }
            MemorySegment.copy(source, BF16, (long) p * PANEL * cols * 2, rowMajor, 0, count * cols);
            for (int i = 0; i < count; i++) {
              int row = i * cols;
              for (int c = 0; c < cols; c++) {
                panel[c * PANEL + i] = rowMajor[row + c];
              }
            }
            MemorySegment.copy(panel, 0, data, BF16, (long) p * PANEL * cols * 2, PANEL * cols);
          }
        });
    return new Bf16Panels(w.name(), rows, cols, data);
  }

  String name() {
    return name;
  }

  int rows() {
    return rows;
  }

  int cols() {
    return cols;
  }

  /** Panels, the last one possibly padded. */
  int panels() {
    return Math.ceilDiv(rows, PANEL);
  }

  MemorySegment data() {
    return data;
  }

  /** The weight at {@code (row, col)}, as f32 (for tests). */
  float get(int row, int col) {
    int p = row / PANEL;
    return Bf16.toFloat(data.get(BF16, (((long) p * cols + col) * PANEL + row % PANEL) * 2));
  }

  /** Bytes the packed matrix takes. */
  long byteSize() {
    return data.byteSize();
  }
}
