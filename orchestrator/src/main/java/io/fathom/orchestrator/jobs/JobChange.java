package io.fathom.orchestrator.jobs;

/**
 * What a commit changes on the job row besides appending events. Null fields stay as they are.
 *
 * @param status the new status (a terminal one sets {@code finished_at})
 * @param rounds rounds now done
 * @param promptTokens tokens to add to the prompt-token count
 * @param completionTokens tokens to add to the completion-token count
 * @param answer the final answer
 * @param error why the job failed
 * @param round a finished round's costs, written to the rounds table
 */
public record JobChange(
    JobStatus status,
    Integer rounds,
    long promptTokens,
    long completionTokens,
    String answer,
    JobError error,
    RoundCost round) {

  public static final JobChange NONE = new JobChange(null, null, 0, 0, null, null, null);

  public static JobChange usage(long prompt, long completion) {
    return new JobChange(null, null, prompt, completion, null, null, null);
  }

  public static JobChange roundDone(RoundCost cost) {
    return new JobChange(null, cost.round(), 0, 0, null, null, cost);
  }

  public static JobChange completed(String answer) {
    return new JobChange(JobStatus.COMPLETED, null, 0, 0, answer, null, null);
  }

  public static JobChange failed(JobError error) {
    return new JobChange(JobStatus.FAILED, null, 0, 0, null, error, null);
  }

  public static JobChange cancelled() {
    return new JobChange(JobStatus.CANCELLED, null, 0, 0, null, null, null);
  }

  /** The costs of one finished round. */
  public record RoundCost(
      int round, long promptTokens, long completionTokens, int toolCalls, long modelMs, long toolsMs) {}
}
