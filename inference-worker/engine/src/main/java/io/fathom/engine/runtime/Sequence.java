package io.fathom.engine.runtime;

import io.fathom.engine.kv.BlockTable;
import io.fathom.engine.sampling.SamplingParams;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * One request as the scheduler sees it: its tokens (prompt, then output), how many have keys and values in
 * the cache ({@link #computed()}, its block table's count), its sampling parameters and random stream, its
 * session and status. Tokens {@code [computed, length)} are pending: more than one while the prompt (or,
 * after a preemption, prompt and output) is prefilled, exactly one — the last sampled token — while it
 * decodes. Prefill and decode are the same operation on it: run the pending tokens, in chunks.
 *
 * <p>Touched only by the engine's thread; the client sees a {@link GenerationHandle}.
 */
public final class Sequence {

  /** Where a sequence is. */
  public enum Status {
    /** Queued, holding no blocks (new, or preempted). */
    WAITING,
    /** Admitted: holds blocks for all its tokens and is scheduled every step. */
    RUNNING,
    FINISHED
  }

  private final long id;
  private final int promptLength;
  private final SamplingParams params;
  private final String session;
  private final BlockTable table;
  private final SplittableRandom random;
  private final GenerationHandle handle;
  private int[] tokens;
  private int length;
  private Status status = Status.WAITING;
  private FinishReason finishReason;
  private int cachedPromptTokens = -1;
  private int computedPromptTokens;
  private int preemptions;
  long scheduledStep = -1;

  Sequence(long id, int[] prompt, SamplingParams params, String session, int blockSize, GenerationHandle handle) {
    this.id = id;
    this.promptLength = prompt.length;
    this.params = params;
    this.session = session;
    this.table = new BlockTable(blockSize);
    this.random = params.seed() == null ? new SplittableRandom() : new SplittableRandom(params.seed());
    this.handle = handle;
    this.tokens = Arrays.copyOf(prompt, prompt.length + Math.min(params.maxTokens(), 1024));
    this.length = prompt.length;
  }

  public long id() {
    return id;
  }

  public int promptLength() {
    return promptLength;
  }

  /** Prompt plus generated tokens. */
  public int length() {
    return length;
  }

  public int generated() {
    return length - promptLength;
  }

  /** Tokens whose keys and values are cached. */
  public int computed() {
    return table.tokenCount();
  }

  /** Tokens to run before the next token can be sampled. */
  public int pending() {
    return length - computed();
  }

  public SamplingParams params() {
    return params;
  }

  /** The session id, or {@code null}. */
  public String session() {
    return session;
  }

  public Status status() {
    return status;
  }

  /** Why it finished, or {@code null} while it has not. */
  public FinishReason finishReason() {
    return finishReason;
  }

  /** Prompt tokens found cached at its first admission (-1 before it). */
  public int cachedPromptTokens() {
    return cachedPromptTokens;
  }

  /** Prompt tokens run through the model, recomputation after preemption included. */
  public int computedPromptTokens() {
    return computedPromptTokens;
  }

  public int preemptions() {
    return preemptions;
  }

  /** A copy of all its tokens. */
  public int[] tokens() {
    return Arrays.copyOf(tokens, length);
  }

  /** A copy of the generated tokens. */
  public int[] outputTokens() {
    return Arrays.copyOfRange(tokens, promptLength, length);
  }

  BlockTable table() {
    return table;
  }

  /** The token buffer: its first {@link #length()} entries are the tokens. Not a copy. */
  int[] tokenBuffer() {
    return tokens;
  }

  int[] tokens(int from, int count) {
    return Arrays.copyOfRange(tokens, from, from + count);
  }

  SplittableRandom random() {
    return random;
  }

  GenerationHandle handle() {
    return handle;
  }

  void append(int token) {
    if (length == tokens.length) {
      tokens = Arrays.copyOf(tokens, tokens.length * 2);
    }
    tokens[length++] = token;
  }

  void admitted(int cachedTokens) {
    status = Status.RUNNING;
    if (cachedPromptTokens < 0) {
      cachedPromptTokens = Math.min(cachedTokens, promptLength);
    }
  }

  void ran(int from, int count) {
    computedPromptTokens += Math.max(0, Math.min(from + count, promptLength) - from);
  }

  void preempted() {
    status = Status.WAITING;
    preemptions++;
  }

  void finished(FinishReason reason) {
    status = Status.FINISHED;
    finishReason = reason;
  }

  @Override
  public String toString() {
    return "Sequence[" + id + ", " + status + ", " + computed() + "/" + length + " tokens]";
  }
}
