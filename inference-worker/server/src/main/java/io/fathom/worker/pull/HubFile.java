package io.fathom.worker.pull;

/**
 * A file of a Hub repository.
 *
 * @param path the validated path inside the repository ({@code /}-separated, relative, no {@code .} or {@code ..})
 * @param size its size in bytes, or -1 when the Hub did not say
 * @param sha256 the lowercase hex sha256 of an LFS file, or null
 */
public record HubFile(String path, long size, String sha256) {}
