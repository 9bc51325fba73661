/** OpenAI-compatible wire types, shared by the orchestrator's model client and the inference worker's server. */
package io.fathom.protocol.openai;
