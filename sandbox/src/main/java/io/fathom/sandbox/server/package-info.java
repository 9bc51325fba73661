/**
 * The sandbox server ({@code ./fathom sandbox}): the {@link io.fathom.sandbox.Sandboxes} registry
 * behind a small authenticated REST API on Reactor Netty, so that orchestrators elsewhere run their
 * {@code python} and {@code bash} tools here ({@code FATHOM_SANDBOX_URL}, {@code
 * FATHOM_SANDBOX_API_KEY}). {@link io.fathom.sandbox.server.SandboxServer} owns the pieces; the routes
 * and their errors (RFC 9457) are described in {@code SandboxRoutes}.
 */
package io.fathom.sandbox.server;
