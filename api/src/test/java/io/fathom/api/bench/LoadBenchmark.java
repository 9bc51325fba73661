package io.fathom.api.bench;

import io.fathom.api.FathomApplication;
import io.fathom.api.support.Http;
import io.fathom.api.support.ScriptedModelServer;
import io.fathom.api.support.ScriptedTokenServer;
import io.fathom.api.support.WebhookServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.r2dbc.core.DatabaseClient;
import tools.jackson.databind.JsonNode;

/**
 * Load benchmark (not a test): N concurrent jobs of R tool rounds each against a fast scripted
 * model server and webhook on loopback, with the whole service in this JVM on its embedded
 * PostgreSQL. Prints jobs/s, rounds/s, the orchestrator's own time per round (p50/p99, by round
 * range), heap, and the bytes a finished job occupies in PostgreSQL against its conversation.
 *
 * <p>Run: {@code ./fathom bench load --jobs 1000 --rounds 10 [--model-latency-ms 0] [--model-latency-spread-ms 0]
 * [--result-bytes 1500] [--idempotent]}
 */
public final class LoadBenchmark {

  private static final String KEY = "bench-key-0123456789abc";
  /** About what a reasoning model writes around a call, and what a search tool returns. */
  private static final String THOUGHT =
      "I should look this up with the tool and then check the result carefully before answering. ".repeat(6);

  /** A search-like tool result of about {@code bytes} bytes: varied text, as real results are. */
  private static String result(int bytes) {
    StringBuilder b = new StringBuilder("{\"results\": [");
    java.util.Random random = new java.util.Random(42);
    String[] words = {"river", "ocean", "depth", "survey", "sonar", "trench", "current", "salinity", "pressure", "station"};
    while (b.length() < bytes - 40) {
      b.append("{\"title\": \"Result ").append(random.nextInt(10_000)).append("\", \"snippet\": \"");
      for (int i = 0; i < 30; i++) {
        b.append(words[random.nextInt(words.length)]).append(' ').append(random.nextInt(1000)).append(' ');
      }
      b.append("\"}, ");
    }
    return b.append("{\"title\": \"end\"}]}").toString();
  }

  private static int count(String haystack, String needle) {
    int n = 0;
    for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length())) {
      n++;
    }
    return n;
  }

  public static void main(String[] args) throws Exception {
    int jobs = intArg(args, "--jobs", 1000);
    int rounds = intArg(args, "--rounds", 10);
    int latency = intArg(args, "--model-latency-ms", 0);
    int spread = intArg(args, "--model-latency-spread-ms", 0);
    String result = result(intArg(args, "--result-bytes", 1500));
    boolean idempotent = List.of(args).contains("--idempotent");
    Path data = Files.createTempDirectory("fathom-bench");
    AtomicLong conversationBytes = new AtomicLong();
    boolean tokens = List.of(args).contains("--tokens");
    boolean deltas = !List.of(args).contains("--no-deltas");
    String policy = stringArg(args, "--context-policy", null);
    java.util.concurrent.atomic.AtomicReference<int[]> lastPrompt = new java.util.concurrent.atomic.AtomicReference<>(new int[0]);
    try (ScriptedModelServer chat =
            ScriptedModelServer.raw(
                body -> {
                  // Cheap on purpose: the harness shares the CPU with the service it measures.
                  int results = count(body, "\"tool_call_id\"");
                  conversationBytes.accumulateAndGet(body.length(), Math::max);
                  if (results < rounds) {
                    JsonNode call = ScriptedModelServer.toolCall("call_" + results, "lookup", "{\"q\": \"item " + results + "\"}");
                    ((tools.jackson.databind.node.ObjectNode) call).put("content", THOUGHT);
                    return call;
                  }
                  return ScriptedModelServer.answer("All " + rounds + " items were looked up; the answer is 42.");
                });
        ScriptedTokenServer tokenModel = tokens ? tokenServer(rounds, lastPrompt) : null;
        WebhookServer webhook = new WebhookServer(c -> result)) {
      chat.delay(latency, spread);
      if (tokenModel != null) {
        tokenModel.delay(latency);
      }
      Model model =
          tokenModel == null
              ? new Model(chat.baseUrl(), chat::requests)
              : new Model(tokenModel.baseUrl(), tokenModel::requestCount);
      System.out.printf(
          "%s, model latency %d ± %d ms per call, tool results of %d bytes, %s function; warming up, then measuring%n",
          tokens ? "token prompts" : "chat prompts", latency, Math.min(spread, latency), result.length(),
          idempotent ? "an idempotent" : "a non-idempotent");
      // Warm-up in a first service instance (JIT, pools), then measure in a fresh one.
      int warmJobs = Math.min(jobs, 200);
      runOnce(data.resolve("warm-up"), model, webhook, warmJobs, rounds, idempotent, policy, deltas, new AtomicLong(), false);
      if (tokenModel != null) {
        conversationBytes.set(0);
      }
      long storagePerJob = runOnce(data.resolve("measured"), model, webhook, jobs, rounds, idempotent, policy, deltas, conversationBytes, true);
      if (tokenModel != null) {
        String text = tokenModel.tokenizer().decode(lastPrompt.get(), false);
        int textBytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        System.out.printf("conversation        %d tokens, %d bytes of text (the last prompt)%n", lastPrompt.get().length, textBytes);
        System.out.printf("storage / conversation  %.2fx%n", (double) storagePerJob / textBytes);
      }
    }
  }

  /** The model server in use: its base URL and how many completions it answered. */
  private record Model(String baseUrl, java.util.function.IntSupplier requests) {}

  /** A token-prompt server that counts rounds by the turns in the prompt ids (no decoding: cheap). */
  private static ScriptedTokenServer tokenServer(int rounds, java.util.concurrent.atomic.AtomicReference<int[]> lastPrompt)
      throws java.io.IOException {
    List<String> words = List.of("lookup", "item", "look", "this", "up", "with", "tool", "and", "then", "check", "result",
        "carefully", "before", "answering", "should", "river", "ocean", "depth", "survey", "sonar", "trench", "current",
        "salinity", "pressure", "station", "title", "Result", "snippet", "results", "end");
    int[] imStart = new int[1];
    ScriptedTokenServer[] holder = new ScriptedTokenServer[1];
    holder[0] =
        ScriptedTokenServer.ofIds(
            words,
            prompt -> {
              int starts = 0;
              for (int id : prompt) {
                starts += id == imStart[0] ? 1 : 0;
              }
              int results = (starts - 3) / 2; // system, user, the generation prompt; two turns a round
              if (prompt.length > lastPrompt.get().length) {
                lastPrompt.set(prompt);
              }
              return results < rounds
                  ? ScriptedTokenServer.Output.stop("<think>\n" + THOUGHT.strip() + "\n</think>\n\n<tool_call>\n{\"name\": \"lookup\", \"arguments\": {\"q\": \"item " + results + "\"}}\n</tool_call>")
                  : ScriptedTokenServer.Output.stop("All " + rounds + " items were looked up; the answer is 42.");
            });
    imStart[0] = holder[0].tokenizer().tokenToId("<|im_start|>").orElseThrow();
    return holder[0];
  }

  /** Runs the jobs on a fresh service instance; returns the bytes stored per job (0 when not reporting). */
  private static long runOnce(
      Path data, Model model, WebhookServer webhook, int jobs, int rounds, boolean idempotent, String policy, boolean deltas,
      AtomicLong conversationBytes, boolean report) throws Exception {
    ConfigurableApplicationContext app =
        SpringApplication.run(
            FathomApplication.class,
            "--fathom.data-dir=" + data,
            "--fathom.api-keys=bench:" + KEY,
            "--fathom.inference-urls=" + model.baseUrl(),
            "--fathom.outbound-allow=127.0.0.1/32",
            "--fathom.poll-interval=200ms",
            "--fathom.max-active-jobs=" + Math.max(jobs, 10_000),
            // Both ends of every model connection live in this process (the scripted server is
            // in-process), and a process may hold 20,000 files here: leave room for the server side.
            "--fathom.model.max-connections=" + Math.min(Math.max(jobs, 1000), 8000),
            "--server.port=0",
            // Percentiles over the whole run (the default window is the last two minutes).
            "--management.metrics.distribution.expiry.fathom=6h",
            "--management.metrics.distribution.buffer-length.fathom=1",
            "--logging.level.io.fathom=WARN");
    try {
      int requestsBefore = model.requests().getAsInt();
      int callsBefore = webhook.calls().size();
      long perJob = run(app, jobs, rounds, idempotent, policy, deltas, conversationBytes, webhook, report);
      if (report) {
        System.out.printf("model requests %d, webhook calls %d%n", model.requests().getAsInt() - requestsBefore, webhook.calls().size() - callsBefore);
      }
      return perJob;
    } finally {
      app.close();
    }
  }

  private static long run(
      ConfigurableApplicationContext app, int jobs, int rounds, boolean idempotent, String policy, boolean deltas,
      AtomicLong conversationBytes,
      WebhookServer webhook, boolean report) throws Exception {
    String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
    Http http = new Http(base, KEY);
    http.post("/v1/functions", "{\"name\": \"lookup\", \"parameters\": {\"type\": \"object\", \"properties\": {\"q\": {\"type\": \"string\"}}}, \"url\": \"" + webhook.url("/lookup") + "\", \"idempotent\": " + idempotent + "}");
    MeterRegistry meters = app.getBean(MeterRegistry.class);

    long heapPeak = 0;
    long start = System.nanoTime();
    List<String> ids = submit(base, jobs, rounds, policy, deltas);
    long submitted = System.nanoTime();
    int done = 0;
    while (done < ids.size()) {
      Thread.sleep(500);
      heapPeak = Math.max(heapPeak, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
      done = countFinished(app, ids);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (!report) {
      return 0;
    }
    long totalRounds = (long) jobs * (rounds + 1);
    System.gc();
    long heapAfter = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    DatabaseClient db = app.getBean(DatabaseClient.class);
    long failed = db.sql("SELECT count(*) AS c FROM jobs WHERE status <> 'completed'").map(r -> r.get("c", Long.class)).one().block();
    db.sql("VACUUM ANALYZE").then().block();
    long bytes =
        db.sql("SELECT pg_total_relation_size('jobs') + pg_total_relation_size('events') + pg_total_relation_size('rounds') AS b")
            .map(r -> r.get("b", Long.class)).one().block();
    long allJobs = jobs;
    String breakdown =
        db.sql("SELECT string_agg(t || ' ' || pg_size_pretty(pg_table_size(t::regclass)) || ' + indexes '"
                + " || pg_size_pretty(pg_indexes_size(t::regclass)), ', ') AS s FROM unnest(ARRAY['jobs', 'events', 'rounds']) AS t")
            .map(r -> r.get("s", String.class)).one().block();
    long perJob = bytes / allJobs;

    System.out.printf("%n== Fathom load benchmark: %d concurrent jobs x %d tool rounds (+1 answer round) ==%n", jobs, rounds);
    System.out.printf("submitted in        %.2f s%n", (submitted - start) / 1e9);
    System.out.printf("all finished in     %.2f s (%d not completed)%n", seconds, failed);
    System.out.printf("jobs/s              %.1f%n", jobs / seconds);
    System.out.printf("rounds/s            %.1f%n", totalRounds / seconds);
    printOverhead(meters);
    System.out.printf("heap peak / after   %d MiB / %d MiB%n", heapPeak >> 20, heapAfter >> 20);
    System.out.printf("storage per job     %d bytes (jobs+events+rounds, with indexes, %d jobs)%n", perJob, allJobs);
    System.out.printf("tables              %s%n", breakdown);
    String jobErrors =
        db.sql("SELECT coalesce(string_agg(e || ': ' || n, ', '), 'none') AS s FROM"
                + " (SELECT error_code AS e, count(*) AS n FROM jobs WHERE error_code IS NOT NULL GROUP BY 1) x")
            .map(r -> r.get("s", String.class)).one().block();
    java.util.Map<String, Integer> toolErrorCounts = new java.util.TreeMap<>();
    db.sql("SELECT types, data FROM events WHERE 'tool.completed' = ANY(types)")
        .map(r -> {
          String[] types = r.get("types", String[].class);
          List<String> payloads = io.fathom.orchestrator.events.EventPayloads.unpack(r.get("data", byte[].class), types.length);
          for (int i = 0; i < types.length; i++) {
            String error = types[i].equals("tool.completed") ? Http.parse(payloads.get(i)).path("error").asString(null) : null;
            if (error != null) {
              toolErrorCounts.merge(error, 1, Integer::sum);
            }
          }
          return 1;
        })
        .all().blockLast();
    String toolErrors = toolErrorCounts.isEmpty() ? "none" : toolErrorCounts.toString();
    String roundTimes =
        db.sql("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY model_ms) AS m, percentile_cont(0.5) WITHIN GROUP (ORDER BY tools_ms) AS t,"
                + " extract(epoch FROM (SELECT max(finished_at) - min(created_at) FROM jobs)) AS w FROM rounds")
            .map(r -> String.format("model call p50 %.1f ms, tool call p50 %.1f ms; first submission to last finish %.3f s",
                r.get("m", Double.class), r.get("t", Double.class), r.get("w", java.math.BigDecimal.class).doubleValue()))
            .one().block();
    System.out.printf("round times         %s%n", roundTimes);
    System.out.println(
        db.sql("SELECT count(*) AS n, sum(pg_column_size(data)) AS stored FROM events")
            .map(r -> String.format("event rows          %d per job, packed payloads %d bytes per job",
                r.get("n", Long.class) / allJobs, r.get("stored", Long.class) / allJobs))
            .one().block());
    // Every event accounted for: each job's rows hold exactly seq 1..last_seq, and one tool.completed per tool round.
    System.out.println(
        db.sql("SELECT count(*) FILTER (WHERE n IS DISTINCT FROM last_seq) AS gaps, coalesce(sum(tools), 0) AS tools FROM"
                + " (SELECT j.last_seq, (SELECT sum(cardinality(types)) FROM events e WHERE e.job_id = j.id) AS n,"
                + " (SELECT count(*) FROM events e, unnest(e.types) t WHERE e.job_id = j.id AND t = 'tool.completed') AS tools"
                + " FROM jobs j) x")
            .map(r -> String.format("events              %d jobs whose events are not exactly 1..last_seq; %d tool.completed in all",
                r.get("gaps", Long.class), r.get("tools", Number.class).longValue()))
            .one().block());
    System.out.printf("job errors          %s%n", jobErrors);
    db.sql("SELECT DISTINCT left(error_message, 300) AS m FROM jobs WHERE error_message IS NOT NULL LIMIT 3")
        .map(r -> r.get("m", String.class)).all().doOnNext(m -> System.out.println("  e.g. " + m)).blockLast();
    System.out.printf("tool errors         %s%n", toolErrors);
    if (conversationBytes.get() > 0) {
      System.out.printf("conversation bytes  %d (the last request's body)%n", conversationBytes.get());
      System.out.printf("storage / conversation  %.2fx%n", (double) perJob / conversationBytes.get());
    }
    return perJob;
  }

  private static void printOverhead(MeterRegistry meters) {
    for (String name : new String[] {"fathom.commit"}) {
      Timer t = meters.find(name).timer();
      if (t != null) {
        StringBuilder b = new StringBuilder();
        for (ValueAtPercentile p : t.takeSnapshot().percentileValues()) {
          b.append(String.format(" p%.0f=%.3f ms", p.percentile() * 100, p.value(TimeUnit.MILLISECONDS)));
        }
        System.out.printf("%s n=%d mean=%.3f ms%s%n", name, t.count(), t.mean(TimeUnit.MILLISECONDS), b);
      }
    }
    for (Timer t : meters.find("fathom.round.overhead").timers()) {
      if (t.count() == 0) {
        continue;
      }
      StringBuilder b = new StringBuilder();
      for (ValueAtPercentile p : t.takeSnapshot().percentileValues()) {
        b.append(String.format(" p%.0f=%.3f ms", p.percentile() * 100, p.value(TimeUnit.MILLISECONDS)));
      }
      System.out.printf(
          "round overhead [rounds %s] n=%d mean=%.3f ms%s%n", t.getId().getTag("rounds"), t.count(), t.mean(TimeUnit.MILLISECONDS), b);
    }
  }

  private static int countFinished(ConfigurableApplicationContext app, List<String> ids) {
    DatabaseClient db = app.getBean(DatabaseClient.class);
    return db.sql("SELECT count(*) AS c FROM jobs WHERE finished_at IS NOT NULL").map(r -> r.get("c", Long.class)).one().block().intValue();
  }

  private static List<String> submit(String base, int n, int rounds, String policy, boolean deltas) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    Semaphore inFlight = new Semaphore(64);
    List<CompletableFuture<String>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      inFlight.acquire();
      HttpRequest r =
          HttpRequest.newBuilder(URI.create(base + "/v1/jobs"))
              .header("Authorization", "Bearer " + KEY)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString("{\"task\": \"Look up " + rounds + " items and report (job " + i + ")\", \"tools\": [\"lookup\"], \"max_rounds\": " + (rounds + 1)
                  + (policy == null ? "" : ", \"context_policy\": \"" + policy + "\"")
                  + (deltas ? "" : ", \"stream_deltas\": false") + "}"))
              .build();
      futures.add(
          client.sendAsync(r, HttpResponse.BodyHandlers.ofString())
              .whenComplete((x, e) -> inFlight.release())
              .thenApply(resp -> {
                if (resp.statusCode() != 202) {
                  throw new IllegalStateException("submit answered " + resp.statusCode() + ": " + resp.body());
                }
                return Http.parse(resp.body()).path("id").asString();
              }));
    }
    List<String> ids = new ArrayList<>();
    for (CompletableFuture<String> f : futures) {
      ids.add(f.get());
    }
    return ids;
  }

  private static String stringArg(String[] args, String name, String dflt) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return dflt;
  }

  private static int intArg(String[] args, String name, int dflt) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return dflt;
  }

  private LoadBenchmark() {}
}
