/**
 * What a Llama-family model is: {@link io.fathom.engine.model.ModelConfig} read from Hugging Face's
 * {@code config.json} (rejecting, by field name, what the engine cannot run: scaled RoPE, biases, other
 * architectures, head counts that do not divide), {@link io.fathom.engine.model.ModelPresets} (Nanbeige4.1-3B,
 * a ~150M benchmark shape, a tiny test shape) and {@link io.fathom.engine.model.LlamaTensors}, the checkpoint's
 * tensor names and expected shapes.
 */
package io.fathom.engine.model;
