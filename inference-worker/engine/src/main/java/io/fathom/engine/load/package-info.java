/**
 * Loading Hugging Face checkpoints without copying them: {@link io.fathom.engine.load.Checkpoint} memory-maps
 * {@code model.safetensors} or the shards of {@code model.safetensors.index.json} (FFM {@code MemorySegment}s,
 * files over 2 GB included), {@link io.fathom.engine.load.SafetensorsFile} validates every header entry
 * against the file (dtype, shape × dtype size, offsets inside the data, no overlaps, bounded header), and
 * {@link io.fathom.engine.load.Weights} binds the tensors to the config, naming each missing or misshapen
 * one. {@link io.fathom.engine.load.DummyCheckpoint} writes seeded random checkpoints of any shape in the
 * same format ({@code --load-format dummy}, tests, benchmarks).
 */
package io.fathom.engine.load;
