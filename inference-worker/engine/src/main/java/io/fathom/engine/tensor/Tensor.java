package io.fathom.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;

/**
 * A named, typed, row-major tensor whose little-endian elements live in {@code data} — for checkpoint
 * weights, a slice of a memory-mapped file (never copied onto the heap).
 */
public record Tensor(String name, DType dtype, List<Long> shape, MemorySegment data) {

  public Tensor {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, "dtype");
    shape = List.copyOf(shape);
    Objects.requireNonNull(data, "data");
    if (data.byteSize() != elementCount(shape) * dtype.bytes()) {
      throw new IllegalArgumentException(
          "tensor '" + name + "': " + data.byteSize() + " bytes for shape " + shape + " of " + dtype);
    }
  }

  /** The number of elements of a tensor of this shape (1 for a scalar). */
  public static long elementCount(List<Long> shape) {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  public long elementCount() {
    return elementCount(shape);
  }

  public int rank() {
    return shape.size();
  }

  /** Dimension {@code i} as an int (the engine's matrices have int-sized dimensions). */
  public int dim(int i) {
    return Math.toIntExact(shape.get(i));
  }

  /** Element {@code index} of the flattened tensor as a float (scalar path). */
  public float get(long index) {
    return dtype.read(data, index);
  }

  /** Elements {@code from .. from + count - 1} of the flattened tensor as floats into {@code dst} (bulk path). */
  public void readFloats(long from, float[] dst, int count) {
    dtype.readFloats(data, from, dst, count);
  }
}
