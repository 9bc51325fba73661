/**
 * The CPU {@link io.fathom.engine.backend.Backend}: the Llama forward pass ({@link io.fathom.engine.cpu.CpuForwardPass}) over f32 activations
 * and bf16/f16/f32 weights read in place, with f32 accumulation. One small class per kernel family —
 * {@link io.fathom.engine.cpu.MatMul} (Vector API, rows split over a {@link io.fathom.engine.cpu.ParallelRunner}),
 * {@code RmsNorm}, {@code Rope} (Hugging Face "rotate half"), {@code Attention} (causal GQA over block tables),
 * {@code SwiGlu} — and {@code WeightVectors}, which widens 16-bit weights to f32 lanes. With
 * {@link io.fathom.engine.cpu.WeightFormat#INT8} ({@code --quantize int8}) the linear weights, the output head
 * included, are quantized once when the pass is built into off-heap {@link io.fathom.engine.cpu.Int8Matrix}
 * blocks (32 values and one f16 scale each) and multiplied by {@link io.fathom.engine.cpu.Int8MatMul}; norms and
 * the embedding table stay as stored. Needs {@code --add-modules jdk.incubator.vector}.
 */
package io.fathom.engine.cpu;
