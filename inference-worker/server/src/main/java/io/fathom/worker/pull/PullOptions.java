package io.fathom.worker.pull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * What {@code ./fathom pull} downloads and from where.
 *
 * @param repo the Hub repository, {@code owner/name} (or a bare legacy {@code name})
 * @param revision a branch, tag or commit
 * @param dir the models directory; the files go to {@code dir/repo/}
 * @param endpoint the Hub's base URL, without a trailing slash
 * @param token a Hub access token, or null
 * @param all download every file of the repository instead of only the ones a worker needs
 * @param retries how many times one run resumes an interrupted download before giving up
 * @param retryDelay the pause before the first retry (doubled for each further one)
 */
public record PullOptions(
    String repo, String revision, Path dir, String endpoint, String token, boolean all, int retries,
    Duration retryDelay) {

  public static final String USAGE = """
      usage: ./fathom pull REPO [options]          e.g. ./fathom pull Nanbeige/Nanbeige4.1-3B
      Downloads a model from the Hugging Face Hub into MODELS_DIR/REPO/: the files a worker needs
      (config, tokenizer, chat template, model*.safetensors). Run it again to resume an interrupted pull.
        --revision REV   branch, tag or commit (default main)
        --dir DIR        models directory (default $FATHOM_MODELS_DIR or ./models)
        --endpoint URL   Hub endpoint (default $HF_ENDPOINT or https://huggingface.co)
        --token TOKEN    access token for gated or private repositories (default $HF_TOKEN; prefer the variable)
        --all            download every file of the repository
        --retries N      resume an interrupted download up to N times in one run (default 3)
      """;

  public PullOptions {
    repo = checkRepo(repo);
    if (revision == null || revision.isBlank()) {
      throw new IllegalArgumentException("--revision must not be empty");
    }
    if (endpoint == null || !(endpoint.startsWith("http://") || endpoint.startsWith("https://"))) {
      throw new IllegalArgumentException("--endpoint must be an http:// or https:// URL, not '" + endpoint + "'");
    }
    while (endpoint.endsWith("/")) {
      endpoint = endpoint.substring(0, endpoint.length() - 1);
    }
    if (token != null && token.isBlank()) {
      token = null;
    }
    if (retries < 0) {
      throw new IllegalArgumentException("--retries must be 0 or more");
    }
  }

  /** The directory the repository's files go to. */
  public Path repoDir() {
    return dir.resolve(repo);
  }

  /**
   * Parses the command line after {@code pull}; {@code env} supplies the defaults. Throws
   * IllegalArgumentException with an empty message for {@code --help}.
   */
  public static PullOptions parse(String[] args, Map<String, String> env) {
    String repo = null;
    String revision = "main";
    String dir = env.getOrDefault("FATHOM_MODELS_DIR", "");
    String endpoint = env.getOrDefault("HF_ENDPOINT", "");
    String token = env.get("HF_TOKEN");
    boolean all = false;
    int retries = 3;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      switch (name) {
        case "-h", "--help" -> throw new IllegalArgumentException("");
        case "--all" -> all = true;
        case "--revision", "--dir", "--endpoint", "--token", "--retries" -> {
          if (value == null) {
            if (i + 1 >= args.length) {
              throw new IllegalArgumentException(name + " needs a value");
            }
            value = args[++i];
          }
          switch (name) {
            case "--revision" -> revision = value;
            case "--dir" -> dir = value;
            case "--endpoint" -> endpoint = value;
            case "--token" -> token = value;
            default -> {
              try {
                retries = Integer.parseInt(value);
              } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--retries needs a number, not '" + value + "'");
              }
            }
          }
        }
        default -> {
          if (arg.startsWith("-")) {
            throw new IllegalArgumentException("unknown option " + arg);
          }
          if (repo != null) {
            throw new IllegalArgumentException("one repository at a time (got '" + repo + "' and '" + arg + "')");
          }
          repo = arg;
        }
      }
    }
    if (repo == null) {
      throw new IllegalArgumentException("which repository? e.g. ./fathom pull Nanbeige/Nanbeige4.1-3B");
    }
    return new PullOptions(
        repo, revision, Path.of(dir.isBlank() ? "models" : dir), endpoint.isBlank() ? "https://huggingface.co" : endpoint,
        token, all, retries, Duration.ofSeconds(1));
  }

  private static String checkRepo(String repo) {
    if (repo == null) {
      throw new IllegalArgumentException("no repository given");
    }
    String r = repo.strip();
    // A URL pasted from the browser: https://huggingface.co/owner/name
    for (String prefix : new String[] {"https://huggingface.co/", "http://huggingface.co/", "hf.co/"}) {
      if (r.startsWith(prefix)) {
        r = r.substring(prefix.length());
      }
    }
    while (r.endsWith("/")) {
      r = r.substring(0, r.length() - 1);
    }
    if (!r.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?") || r.contains("..")) {
      throw new IllegalArgumentException(
          "'" + repo + "' is no Hub repository name; expected OWNER/NAME, e.g. Nanbeige/Nanbeige4.1-3B");
    }
    return r;
  }
}
