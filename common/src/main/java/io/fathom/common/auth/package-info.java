/**
 * Bearer API keys of the standalone servers (the inference worker, the sandbox server): which keys a server
 * accepts ({@link io.fathom.common.auth.ApiKeyOptions}), a generated key kept in an owner-only file ({@link
 * io.fathom.common.auth.KeyFile}) and the constant-time check of a request's header ({@link
 * io.fathom.common.auth.BearerKeys}).
 */
package io.fathom.common.auth;
