package io.fathom.worker;

import io.fathom.common.cli.HelpRequested;
import java.util.concurrent.CountDownLatch;

/**
 * Starts the OpenAI-compatible worker:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp … io.fathom.worker.WorkerMain \
 *     --dummy tiny --port 8000
 * </pre>
 *
 * See {@link WorkerOptions#USAGE} for the options.
 */
public final class WorkerMain {

  private WorkerMain() {}

  public static void main(String[] args) throws Exception {
    WorkerOptions options;
    try {
      options = WorkerOptions.parse(args);
    } catch (HelpRequested help) {
      System.out.print(WorkerOptions.USAGE);
      return;
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.print(WorkerOptions.USAGE);
      System.exit(2);
      return;
    }
    long start = System.nanoTime();
    Worker worker = Worker.start(options);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
      worker.close();
      stopped.countDown();
    }));
    System.out.printf(
        "fathom worker: model %s (%s) on %s in %d ms; max sequence %d tokens%n",
        worker.model().name(), worker.model().directory(), worker.baseUrl(), (System.nanoTime() - start) / 1_000_000,
        worker.generator().maxSequenceLength());
    stopped.await();
  }
}
