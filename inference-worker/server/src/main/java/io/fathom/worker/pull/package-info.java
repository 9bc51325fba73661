/**
 * {@code ./fathom pull REPO}: downloads a model from the Hugging Face Hub into the models directory
 * ({@link io.fathom.worker.pull.ModelPull} is the command, {@link io.fathom.worker.pull.ModelPuller} does the work).
 * Downloads go through a {@code .part} file, resume with HTTP Range requests, are checked against the sizes and
 * sha256 digests the Hub lists, and are renamed into place atomically.
 */
package io.fathom.worker.pull;
