package io.fathom.worker.pull;

import java.util.Locale;

/**
 * {@code ./fathom pull REPO [--revision REV] [--dir DIR] [--endpoint URL] [--token T] [--all]}: downloads a model
 * from the Hugging Face Hub into {@code DIR/REPO/}. See {@link PullOptions#USAGE}. Exits 0 when done, 1 on an
 * error (the message names the file and what was expected), 2 on a usage error.
 */
public final class ModelPull {

  private ModelPull() {}

  public static void main(String[] args) {
    PullOptions options;
    try {
      options = PullOptions.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      if (!e.getMessage().isEmpty()) {
        System.err.println("error: " + e.getMessage());
      }
      System.err.print(PullOptions.USAGE);
      System.exit(e.getMessage().isEmpty() ? 0 : 2);
      return;
    }
    long start = System.nanoTime();
    try {
      ModelPuller.Result r = new ModelPuller(options, PullProgress.console()).pull();
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(Locale.ROOT, "pulled %s@%s into %s: %d files (%s), %d downloaded (%s) in %.1f s%n",
          options.repo(), options.revision(), r.directory(), r.files().size(), PullProgress.bytes(r.totalBytes()),
          r.downloaded(), PullProgress.bytes(r.bytesDownloaded()), seconds);
      System.out.println("run it: ./fathom worker --model " + r.directory());
    } catch (PullException e) {
      System.out.flush();
      System.err.println("fathom pull: " + e.getMessage());
      System.exit(1);
    } catch (InterruptedException e) {
      System.err.println("fathom pull: interrupted; run again to resume");
      System.exit(130);
    }
  }
}
