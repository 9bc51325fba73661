/**
 * The inference worker's OpenAI-compatible server: {@link io.fathom.worker.WorkerMain} loads a Hugging Face
 * model directory (or a dummy preset with a synthetic tokenizer), runs the engine on its own thread
 * ({@link io.fathom.worker.engine.EngineLoop}) and serves HTTP with Reactor Netty
 * ({@link io.fathom.worker.http.WorkerHttp}).
 */
package io.fathom.worker;
