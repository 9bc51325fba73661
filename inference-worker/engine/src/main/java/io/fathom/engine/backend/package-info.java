/**
 * The seam between the engine and the hardware: {@link io.fathom.engine.backend.Backend} (one forward step
 * for a batch of {@link io.fathom.engine.backend.Segment}s) and what flows through it ({@link
 * io.fathom.engine.backend.Logits}, {@link io.fathom.engine.backend.LogitsScope}).
 */
package io.fathom.engine.backend;
