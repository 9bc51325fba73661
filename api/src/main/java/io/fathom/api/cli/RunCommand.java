package io.fathom.api.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code fathom run "TASK" [--tools a,b] [--max-rounds N]}: submits a job to a running service
 * and follows its events in the terminal. Exit code 0 only when the job completes; 1 when it
 * fails or is cancelled; 2 on a usage or connection error.
 */
public final class RunCommand {

  private final Map<String, String> env;
  private final PrintStream out;
  private final PrintStream err;
  private final JsonMapper json = JsonMapper.builder().build();
  // HTTP/1.1 only: the JDK client's h2c upgrade attempt on a plain-HTTP server is known to stall requests.
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

  public RunCommand(Map<String, String> env, PrintStream out, PrintStream err) {
    this.env = env;
    this.out = out;
    this.err = err;
  }

  public int run(String[] args) {
    String task = null;
    List<String> tools = new ArrayList<>();
    Integer maxRounds = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--tools" -> {
          if (++i >= args.length) {
            return usage("--tools needs a comma-separated list");
          }
          for (String t : args[i].split(",")) {
            if (!t.isBlank()) {
              tools.add(t.trim());
            }
          }
        }
        case "--max-rounds" -> {
          if (++i >= args.length) {
            return usage("--max-rounds needs a number");
          }
          try {
            maxRounds = Integer.parseInt(args[i]);
          } catch (NumberFormatException e) {
            return usage("--max-rounds needs a number");
          }
        }
        case "-h", "--help" -> {
          return usage(null);
        }
        default -> {
          if (task != null) {
            return usage("only one task, quoted: fathom run \"TASK\"");
          }
          task = args[i];
        }
      }
    }
    if (task == null || task.isBlank()) {
      return usage("no task given");
    }
    String base = env.getOrDefault("FATHOM_URL", "http://127.0.0.1:" + env.getOrDefault("FATHOM_PORT", "8080"));
    String key;
    try {
      key = apiKey();
    } catch (IOException e) {
      err.println("fathom run: no API key: set FATHOM_API_KEY (or start ./fathom serve once so that "
          + dataDir().resolve("api-key") + " exists)");
      return 2;
    }
    try {
      return follow(base, key, submit(base, key, task, tools, maxRounds));
    } catch (IOException e) {
      err.println("fathom run: cannot talk to " + base + " (" + e + "); is ./fathom serve running?");
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 2;
    } catch (RejectedException e) {
      err.println("fathom run: " + e.getMessage());
      return 2;
    }
  }

  private String submit(String base, String key, String task, List<String> tools, Integer maxRounds)
      throws IOException, InterruptedException {
    ObjectNode body = json.createObjectNode();
    body.put("task", task);
    if (!tools.isEmpty()) {
      body.putPOJO("tools", tools);
    }
    if (maxRounds != null) {
      body.put("max_rounds", maxRounds);
    }
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/jobs"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      JsonNode problem = parse(r.body());
      throw new RejectedException("the service refused the job (HTTP " + r.statusCode() + "): "
          + problem.path("detail").asString(r.body()));
    }
    String id = parse(r.body()).path("id").asString();
    out.println("job " + id + " queued");
    return id;
  }

  private int follow(String base, String key, String id) throws IOException, InterruptedException {
    long start = System.nanoTime();
    String lastId = "0";
    for (int attempt = 0; attempt < 30; attempt++) {
      HttpResponse<java.io.InputStream> r =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/v1/jobs/" + id + "/events"))
                  .header("Authorization", "Bearer " + key)
                  .header("Accept", "text/event-stream")
                  .header("Last-Event-ID", lastId)
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() != 200) {
        throw new RejectedException("cannot follow job " + id + " (HTTP " + r.statusCode() + ")");
      }
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        String type = null;
        StringBuilder data = new StringBuilder();
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          if (line.startsWith("id:")) {
            lastId = line.substring(3).trim();
          } else if (line.startsWith("event:")) {
            type = line.substring(6).trim();
          } else if (line.startsWith("data:")) {
            data.append(line.substring(5).startsWith(" ") ? line.substring(6) : line.substring(5));
          } else if (line.isEmpty() && type != null) {
            Integer exit = show(type, parse(data.toString()), start);
            if (exit != null) {
              return exit;
            }
            type = null;
            data.setLength(0);
          }
        }
      } catch (IOException e) {
        err.println("(stream interrupted: " + e.getMessage() + "; reconnecting)");
      }
      Thread.sleep(1000);
    }
    throw new RejectedException("lost the event stream of job " + id);
  }

  /** Prints one event; returns the exit code when the job ended. */
  private Integer show(String type, JsonNode d, long start) {
    double seconds = (System.nanoTime() - start) / 1e9;
    switch (type) {
      case "job.started" -> out.println("started on " + d.path("instance").asString());
      case "job.resumed" -> out.println("resumed on " + d.path("instance").asString() + " after round " + d.path("rounds").asInt());
      case "round.started" -> out.println("── round " + d.path("round").asInt());
      case "model.completed" -> {
        String content = d.path("content").asString("");
        if (!content.isBlank() && d.path("tool_calls").isMissingNode()) {
          break;
        }
        if (!content.isBlank()) {
          out.println("   model: " + oneLine(content, 200));
        }
      }
      case "tool.called" -> out.println("   → " + d.path("name").asString() + "(" + oneLine(d.path("arguments").asString(""), 160) + ")");
      case "tool.completed" ->
          out.println("   ← " + d.path("name").asString() + (d.path("ok").asBoolean() ? "" : " ERROR") + " ("
              + d.path("duration_ms").asLong() + " ms): " + oneLine(d.path("result").asString(""), 160));
      case "round.completed" -> out.printf("   [round %d done · %.1f s elapsed]%n", d.path("round").asInt(), seconds);
      case "job.completed" -> {
        out.printf("%nanswer (%d rounds, %.1f s, %d+%d tokens):%n%s%n", d.path("rounds").asInt(), seconds,
            d.path("usage").path("prompt_tokens").asLong(), d.path("usage").path("completion_tokens").asLong(),
            d.path("answer").asString(""));
        return 0;
      }
      case "job.failed" -> {
        err.println("job failed (" + d.path("code").asString() + "): " + d.path("message").asString());
        return 1;
      }
      case "job.cancelled" -> {
        err.println("job cancelled");
        return 1;
      }
      default -> {
        // other event types are not shown
      }
    }
    return null;
  }

  private String apiKey() throws IOException {
    String key = env.get("FATHOM_API_KEY");
    if (key != null && !key.isBlank()) {
      return key.trim();
    }
    return Files.readString(dataDir().resolve("api-key"), StandardCharsets.UTF_8).trim();
  }

  private Path dataDir() {
    return Path.of(env.getOrDefault("FATHOM_DATA_DIR", "./data"));
  }

  private JsonNode parse(String text) {
    try {
      return json.readTree(text);
    } catch (RuntimeException e) {
      return json.createObjectNode();
    }
  }

  private static String oneLine(String s, int max) {
    String t = s.replaceAll("\\s+", " ").trim();
    return t.length() > max ? t.substring(0, max) + "…" : t;
  }

  private int usage(String problem) {
    if (problem != null) {
      err.println("fathom run: " + problem);
    }
    err.println("usage: fathom run \"TASK\" [--tools name,name] [--max-rounds N]");
    err.println("  FATHOM_URL (default http://127.0.0.1:8080), FATHOM_API_KEY (default: the key in $FATHOM_DATA_DIR/api-key)");
    return problem == null ? 0 : 2;
  }

  /** The service answered, but not as hoped. */
  private static final class RejectedException extends RuntimeException {
    RejectedException(String message) {
      super(message, null, false, false);
    }
  }
}
