package io.fathom.engine.load;

import io.fathom.engine.tensor.Tensor;

/** The tensors of one decoder layer; projections are {@code [out, in]} row-major, as Hugging Face saves them. */
public record LayerWeights(
    Tensor inputNorm,
    Tensor qProj,
    Tensor kProj,
    Tensor vProj,
    Tensor oProj,
    Tensor postAttentionNorm,
    Tensor gateProj,
    Tensor upProj,
    Tensor downProj) {}
