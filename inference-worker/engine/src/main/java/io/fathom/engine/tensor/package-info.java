/**
 * Typed views of little-endian tensor data: {@link io.fathom.engine.tensor.DType} (the safetensors element
 * types the engine reads: BF16, F16, F32), {@link io.fathom.engine.tensor.Tensor} (name, dtype, shape and a
 * {@link java.lang.foreign.MemorySegment}, usually a slice of a memory-mapped checkpoint) and
 * {@link io.fathom.engine.tensor.Bf16} conversions.
 */
package io.fathom.engine.tensor;
