package io.fathom.orchestrator.context;

import java.util.Arrays;
import java.util.Objects;

/**
 * How many tokens a worker with a prefix cache must prefill for each request of one session (one job), given
 * the requests in order: the tokens beyond the longest common prefix with the session's previous request. Two
 * granularities: per token (an ideal radix cache), and per block of {@code blockSize} tokens (a paged cache that
 * shares full blocks only, like vLLM's and this project's engine: of the common prefix only the whole blocks are
 * reused). At least one token is prefilled per non-empty request, since the worker needs the last position's
 * logits even when the whole request is cached. Tokens the worker generated are not counted as cached (they are
 * part of the next request after the previous one ends), so for a pure append loop the prefill per round equals
 * the tokens the round appended. Not thread-safe.
 */
public final class PrefillAccounting {

  /** The block size of the project's paged KV cache. */
  public static final int DEFAULT_BLOCK_SIZE = 16;

  private final int blockSize;
  private int[] previous = new int[0];
  private long requests;
  private long requestTokens;
  private long prefillTokens;
  private long blockPrefillTokens;

  public PrefillAccounting() {
    this(DEFAULT_BLOCK_SIZE);
  }

  public PrefillAccounting(int blockSize) {
    if (blockSize < 1) {
      throw new IllegalArgumentException("blockSize must be >= 1: " + blockSize);
    }
    this.blockSize = blockSize;
  }

  /**
   * One request's accounting.
   *
   * @param requestTokens the request's size
   * @param commonPrefix the longest common prefix with the previous request
   * @param prefillTokens tokens to prefill with a per-token cache
   * @param blockPrefillTokens tokens to prefill with a cache of full blocks
   */
  public record Round(int requestTokens, int commonPrefix, int prefillTokens, int blockPrefillTokens) {}

  /** Totals over the requests so far. */
  public record Totals(long requests, long requestTokens, long prefillTokens, long blockPrefillTokens) {}

  /** Accounts the next request of the session. The array is copied. */
  public Round next(int[] request) {
    Objects.requireNonNull(request, "request");
    int common = commonPrefix(previous, request);
    int reusable = common / blockSize * blockSize;
    int prefill = atLeastOne(request.length, request.length - common);
    int blockPrefill = atLeastOne(request.length, request.length - reusable);
    previous = request.clone();
    requests++;
    requestTokens += request.length;
    prefillTokens += prefill;
    blockPrefillTokens += blockPrefill;
    return new Round(request.length, common, prefill, blockPrefill);
  }

  public Totals totals() {
    return new Totals(requests, requestTokens, prefillTokens, blockPrefillTokens);
  }

  public int blockSize() {
    return blockSize;
  }

  /** The length of the longest common prefix of {@code a} and {@code b}. */
  public static int commonPrefix(int[] a, int[] b) {
    int mismatch = Arrays.mismatch(a, b);
    return mismatch < 0 ? a.length : mismatch;
  }

  private static int atLeastOne(int length, int prefill) {
    return length == 0 ? 0 : Math.max(1, prefill);
  }
}
