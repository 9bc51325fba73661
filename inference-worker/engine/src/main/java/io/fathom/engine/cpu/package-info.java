/**
 * The CPU {@link io.fathom.engine.backend.Backend}: the Llama forward pass ({@link io.fathom.engine.cpu.CpuForwardPass}) over f32 activations
 * and bf16/f16/f32 weights, with f32 accumulation. One small class per kernel family —
 * {@link io.fathom.engine.cpu.MatMul} (Vector API, rows split over a {@link io.fathom.engine.cpu.ParallelRunner}),
 * {@code RmsNorm}, {@code Rope} (Hugging Face "rotate half"), {@code Attention} (causal GQA over block tables),
 * {@code SwiGlu} — and {@code WeightVectors}, which widens 16-bit weights to f32 lanes. The linear weights (the
 * output head included) are laid out once when the pass is built, into off-heap panels of 32 rows that the kernels
 * stream column by column ({@code AnonymousMemory}: mapped from the kernel, advised to use huge pages): bf16 as
 * {@code Bf16Panels} (the checkpoint's bits, multiplied by {@code Bf16PanelMatMul}); with
 * {@link io.fathom.engine.cpu.WeightFormat#INT8} ({@code --quantize int8}) quantized into
 * {@link io.fathom.engine.cpu.Int8Matrix} blocks (32 values and one f16 scale each, multiplied by
 * {@link io.fathom.engine.cpu.Int8MatMul}). f16 and f32 matrices, the norms and the embedding table are read in
 * place from the mapping. Needs {@code --add-modules jdk.incubator.vector}.
 */
package io.fathom.engine.cpu;
