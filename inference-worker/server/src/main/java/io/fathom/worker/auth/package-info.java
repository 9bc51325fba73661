/**
 * The worker's API keys: which keys it accepts ({@link io.fathom.worker.auth.ApiKeyOptions}), a generated key
 * kept in an owner-only file, and the constant-time check of {@code Authorization: Bearer KEY}
 * ({@link io.fathom.worker.auth.WorkerApiKeys}).
 */
package io.fathom.worker.auth;
