package io.fathom.engine.backend;

import io.fathom.engine.kv.BlockTable;

/** One sequence's share of a batched step: its new tokens, and which of their logits to return. */
public record Segment(BlockTable sequence, int[] tokens, LogitsScope scope) {}
