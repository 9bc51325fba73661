package io.fathom.worker.pull;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Downloads a Hub repository's files: lists them ({@code /api/models/REPO/revision/REV} for the names and commit,
 * {@code /api/models/REPO/tree/REV} for sizes and LFS sha256), then fetches each from
 * {@code /REPO/resolve/COMMIT/PATH} into {@code PATH.part}, resuming with {@code Range}, checks size and digest and
 * renames the file into place. Every path the server names is validated first, so a hostile server cannot write
 * outside the repository's directory.
 */
public final class ModelPuller {

  /** The files a worker reads, besides {@code model*.safetensors}. */
  static final Set<String> WORKER_FILES = Set.of(
      "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
      "chat_template.jinja", "model.safetensors.index.json");

  private static final Pattern WEIGHTS = Pattern.compile("model[^/]*\\.safetensors");
  private static final Pattern NEXT_LINK = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
  private static final int MAX_REDIRECTS = 10;
  private static final int MAX_JSON = 64 << 20;
  private static final int BUFFER = 1 << 20;
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final PullOptions options;
  private final PullProgress progress;
  private final HttpClient http;
  private final URI origin;

  public ModelPuller(PullOptions options, PullProgress progress) {
    this.options = options;
    this.progress = progress;
    // Redirects are followed by hand: the token must not go along to another host (the Hub's CDN is presigned).
    this.http = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(30))
        .build();
    this.origin = URI.create(options.endpoint() + "/");
  }

  /**
   * What a pull did.
   *
   * @param directory where the files are
   * @param commit the commit they come from (or the revision, when the Hub did not name one)
   * @param files the files of the pull
   * @param downloaded how many were downloaded (the others were complete already)
   * @param bytesDownloaded the bytes transferred
   * @param totalBytes the size of all the files, as far as known
   */
  public record Result(
      Path directory, String commit, List<HubFile> files, int downloaded, long bytesDownloaded, long totalBytes) {}

  /** Lists the repository, then downloads what is missing. */
  public Result pull() throws PullException, InterruptedException {
    Listing listing = list();
    List<HubFile> files = select(listing.files());
    Path repoDir = options.repoDir().toAbsolutePath().normalize();
    try {
      Files.createDirectories(repoDir);
    } catch (IOException e) {
      throw new PullException("cannot create " + repoDir + ": " + e, e);
    }
    long total = 0;
    long missing = 0;
    for (HubFile f : files) {
      if (f.size() >= 0) {
        total += f.size();
        missing += f.size() - present(target(repoDir, f), f);
      }
    }
    checkSpace(repoDir, missing);
    progress.note(String.format(Locale.ROOT, "pulling %s@%s (%s) into %s: %d files, %s",
        options.repo(), options.revision(), listing.commit(), repoDir, files.size(), PullProgress.bytes(total)));
    int downloaded = 0;
    long bytes = 0;
    for (HubFile f : files) {
      long got = fetch(repoDir, f, listing.commit());
      if (got >= 0) {
        downloaded++;
        bytes += got;
      }
    }
    return new Result(repoDir, listing.commit(), files, downloaded, bytes, total);
  }

  // ---- listing ----

  record Listing(String commit, List<HubFile> files) {}

  Listing list() throws PullException, InterruptedException {
    String api = options.endpoint() + "/api/models/" + options.repo();
    JsonNode info = getJson(URI.create(api + "/revision/" + segment(options.revision())), "the repository listing");
    String sha = info.path("sha").asString("");
    String commit = COMMIT.matcher(sha).matches() ? sha : options.revision();
    Map<String, HubFile> files = new LinkedHashMap<>();
    for (JsonNode sibling : info.path("siblings")) {
      String path = safePath(sibling.path("rfilename").asString(null));
      files.put(path, new HubFile(path, -1, null));
    }
    // Sizes and digests: the tree, page by page (the Hub paginates long listings with a Link header).
    URI next = URI.create(api + "/tree/" + segment(commit) + "?recursive=true");
    for (int page = 0; next != null; page++) {
      if (page >= 1000) {
        throw new PullException("the tree of " + options.repo() + " does not end (1000 pages)");
      }
      Page p = getPage(next);
      if (p == null) {
        break; // no tree endpoint: sizes come from Content-Length
      }
      for (JsonNode entry : p.body()) {
        if (!"file".equals(entry.path("type").asString("file"))) {
          continue;
        }
        String path = safePath(entry.path("path").asString(null));
        JsonNode lfs = entry.path("lfs");
        long size = lfs.path("size").isNumber() ? lfs.path("size").asLong() : entry.path("size").asLong(-1);
        String oid = lfs.path("oid").asString("").toLowerCase(Locale.ROOT);
        if (oid.startsWith("sha256:")) {
          oid = oid.substring("sha256:".length());
        }
        files.put(path, new HubFile(path, size, SHA256.matcher(oid).matches() ? oid : null));
      }
      next = p.next();
    }
    return new Listing(commit, List.copyOf(files.values()));
  }

  private List<HubFile> select(List<HubFile> files) throws PullException {
    if (options.all()) {
      return files;
    }
    List<HubFile> wanted = new ArrayList<>();
    boolean config = false;
    boolean weights = false;
    for (HubFile f : files) {
      boolean w = WEIGHTS.matcher(f.path()).matches();
      if (w || WORKER_FILES.contains(f.path())) {
        wanted.add(f);
        weights |= w;
        config |= f.path().equals("config.json");
      }
    }
    if (!config || !weights) {
      throw new PullException(options.repo() + "@" + options.revision() + " has no "
          + (config ? "" : "config.json" + (weights ? "" : " and no ")) + (weights ? "" : "model*.safetensors")
          + ": it is no model a worker can load (it reads Hugging Face safetensors checkpoints); --all downloads"
          + " every file anyway");
    }
    return wanted;
  }

  /**
   * The path as given when it is a safe relative path inside the repository, else an error: no absolute paths, no
   * {@code .} or {@code ..} segments, no backslashes or control characters.
   */
  static String safePath(String path) throws PullException {
    if (path == null || path.isEmpty()) {
      throw new PullException("the server listed a file without a name");
    }
    boolean ok = path.length() <= 1000 && !path.startsWith("/") && path.indexOf('\\') < 0
        && !path.matches("(?s)^[A-Za-z]:.*") && path.chars().noneMatch(c -> c < 0x20 || c == 0x7f);
    if (ok) {
      for (String s : path.split("/", -1)) {
        if (s.isEmpty() || s.equals(".") || s.equals("..")) {
          ok = false;
          break;
        }
      }
    }
    if (!ok) {
      throw new PullException("refusing the file path '" + path.replaceAll("\\p{Cntrl}", "?")
          + "' from the server: it is not a plain relative path inside the repository (nothing was downloaded)");
    }
    return path;
  }

  private static Path target(Path repoDir, HubFile f) throws PullException {
    Path target = repoDir.resolve(f.path()).normalize();
    if (!target.startsWith(repoDir) || target.equals(repoDir)) {
      throw new PullException("refusing the file path '" + f.path() + "': it leads outside " + repoDir);
    }
    return target;
  }

  // ---- downloads ----

  /** The bytes of {@code f} on disk already: all when complete, else what the .part file holds. */
  private static long present(Path target, HubFile f) {
    try {
      if (Files.isRegularFile(target) && Files.size(target) == f.size()) {
        return f.size();
      }
      Path part = part(target);
      return Files.isRegularFile(part) && Files.size(part) <= f.size() ? Files.size(part) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private static void checkSpace(Path dir, long needed) throws PullException {
    try {
      long free = Files.getFileStore(dir).getUsableSpace();
      if (needed > free) {
        throw new PullException(String.format(Locale.ROOT, "not enough disk space in %s: the pull needs %s more, %s free",
            dir, PullProgress.bytes(needed), PullProgress.bytes(free)));
      }
    } catch (IOException e) {
      // unknown: let the writes tell
    }
  }

  private static Path part(Path target) {
    return target.resolveSibling(target.getFileName() + ".part");
  }

  /** Downloads {@code f} unless complete; returns the bytes transferred, or -1 when skipped. */
  private long fetch(Path repoDir, HubFile f, String commit) throws PullException, InterruptedException {
    Path target = target(repoDir, f);
    Path part = part(target);
    try {
      if (Files.isRegularFile(target) && (f.size() < 0 || Files.size(target) == f.size())) {
        progress.skipped(f.path(), Files.size(target));
        return -1;
      }
      Files.createDirectories(target.getParent());
      if (Files.isDirectory(part) || Files.isDirectory(target)) {
        throw new PullException("cannot download " + f.path() + ": a directory stands in the way at " + target);
      }
    } catch (IOException e) {
      throw new PullException("cannot prepare " + target + ": " + e, e);
    }
    URI uri = URI.create(options.endpoint() + "/" + options.repo() + "/resolve/" + segment(commit) + "/"
        + String.join("/", java.util.Arrays.stream(f.path().split("/")).map(ModelPuller::segment).toList()));
    long transferred = 0;
    boolean restarted = false;
    for (int attempt = 0; ; attempt++) {
      Download d = new Download(f, part, uri);
      try {
        Verdict v = d.run();
        transferred += d.transferred;
        if (v == Verdict.OK) {
          break;
        }
        // A resumed download whose digest is wrong: the old .part was bad; start over once.
        if (restarted) {
          throw d.checksumError();
        }
        restarted = true;
        progress.note("  " + f.path() + ": the resumed file did not match its sha256; downloading it again");
        deleteQuietly(part);
      } catch (IOException e) {
        transferred += d.transferred;
        long have = sizeQuietly(part);
        if (attempt < options.retries()) {
          Duration pause = options.retryDelay().multipliedBy(1L << Math.min(attempt, 5));
          progress.note("  " + f.path() + ": interrupted at " + PullProgress.bytes(have) + " (" + e.getMessage()
              + "); resuming in " + pause.toMillis() + " ms");
          Thread.sleep(pause);
          continue;
        }
        progress.endLine();
        throw new PullException("the download of " + f.path() + " was interrupted at " + PullProgress.bytes(have)
            + (f.size() >= 0 ? " of " + PullProgress.bytes(f.size()) : "") + " (" + describe(e) + "); "
            + part.getFileName() + " is kept: run the same command again to resume", e);
      }
    }
    try {
      try {
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new PullException("cannot move " + part + " to " + target + ": " + e, e);
    }
    return transferred;
  }

  private enum Verdict { OK, BAD_RESUMED_DIGEST }

  /** One attempt at one file: from what the .part holds to the end, then the checks. */
  private final class Download {
    final HubFile f;
    final Path part;
    final URI uri;
    long transferred;
    String digest;

    Download(HubFile f, Path part, URI uri) {
      this.f = f;
      this.part = part;
      this.uri = uri;
    }

    Verdict run() throws IOException, PullException, InterruptedException {
      long expected = f.size();
      long have = sizeQuietly(part);
      if (expected >= 0 && have > expected) {
        deleteQuietly(part);
        have = 0;
      }
      boolean resumed = have > 0;
      if (expected < 0 || have < expected) {
        have = receive(have);
      } else {
        progress.note("  " + f.path() + ": " + part.getFileName() + " is complete; checking it");
      }
      if (expected >= 0 && have != expected) {
        deleteQuietly(part);
        progress.endLine();
        throw new PullException(String.format(Locale.ROOT,
            "size mismatch for %s: the Hub lists %d bytes, the server sent %d; nothing was kept, run again to retry",
            f.path(), expected, have));
      }
      if (f.sha256() != null) {
        if (digest == null) {
          digest = sha256(part, -1, null);
        }
        if (!digest.equals(f.sha256())) {
          if (resumed) {
            return Verdict.BAD_RESUMED_DIGEST;
          }
          throw checksumError();
        }
      }
      progress.finished(have);
      return Verdict.OK;
    }

    PullException checksumError() {
      deleteQuietly(part);
      progress.endLine();
      return new PullException("checksum mismatch for " + f.path() + ": expected sha256 " + f.sha256() + ", got "
          + digest + "; nothing was kept, run again to retry");
    }

    /** Appends the rest of the file to the .part file; returns its length. */
    private long receive(long have) throws IOException, PullException, InterruptedException {
      HttpResponse<InputStream> response = send(uri, have, f.path());
      try (InputStream in = response.body()) {
        int status = response.statusCode();
        long expected = f.size();
        boolean append;
        if (status == 206 && have > 0) {
          Matcher m = CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
          if (!m.matches() || Long.parseLong(m.group(1)) != have) {
            deleteQuietly(part);
            throw new IOException("the server answered the range request for bytes " + have + "- with "
                + response.headers().firstValue("Content-Range").orElse("no Content-Range") + "; starting over");
          }
          if (expected >= 0 && !m.group(3).equals("*") && Long.parseLong(m.group(3)) != expected) {
            throw sizeMismatch(Long.parseLong(m.group(3)));
          }
          append = true;
        } else if (status == 200 || status == 206) {
          if (have > 0) {
            progress.note("  " + f.path() + ": the server ignored the range request; starting the file over");
          }
          have = 0;
          append = false;
          long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
          if (status == 200 && expected >= 0 && length >= 0 && length != expected) {
            throw sizeMismatch(length);
          }
        } else if (status == 416 && have > 0) {
          // The .part is no prefix of this file (the revision moved?): start it over.
          deleteQuietly(part);
          throw new IOException("the server refused to resume at byte " + have + " (HTTP 416); starting over");
        } else {
          throw httpError(response, "file " + f.path());
        }
        MessageDigest md = f.sha256() == null ? null : sha256();
        if (md != null && append) {
          sha256(part, have, md);
        }
        progress.start(f.path(), expected, have);
        long done = have;
        boolean tooLong = false;
        try (OutputStream out = new BufferedOutputStream(append
            ? Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.APPEND)
            : Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE), BUFFER)) {
          byte[] buffer = new byte[BUFFER];
          for (int n; (n = in.read(buffer)) >= 0; ) {
            if (expected >= 0 && done + n > expected) {
              tooLong = true;
              break;
            }
            out.write(buffer, 0, n);
            if (md != null) {
              md.update(buffer, 0, n);
            }
            done += n;
            transferred += n;
            progress.advance(done);
            if (Thread.interrupted()) {
              throw new InterruptedException();
            }
          }
        }
        if (tooLong) {
          throw sizeMismatch(-1);
        }
        if (md != null) {
          digest = HexFormat.of().formatHex(md.digest());
        }
        return done;
      }
    }

    private PullException sizeMismatch(long announced) {
      deleteQuietly(part);
      progress.endLine();
      return new PullException(String.format(Locale.ROOT,
          "size mismatch for %s: the Hub lists %d bytes, the server %s; nothing was kept, run again to retry",
          f.path(), f.size(), announced >= 0 ? "announces " + announced : "sent more"));
    }
  }

  // ---- HTTP ----

  private record Page(JsonNode body, URI next) {}

  private JsonNode getJson(URI uri, String what) throws PullException, InterruptedException {
    return getPage(uri, what, false).body();
  }

  /** A page of the tree, or null when the Hub has no tree endpoint (404 there). */
  private Page getPage(URI uri) throws PullException, InterruptedException {
    return getPage(uri, "the file sizes (tree)", true);
  }

  private Page getPage(URI uri, String what, boolean missingOk) throws PullException, InterruptedException {
    HttpResponse<InputStream> response;
    try {
      response = send(uri, 0, what);
    } catch (IOException e) {
      throw new PullException("cannot reach " + options.endpoint() + " for " + what + ": " + describe(e)
          + " (set --endpoint or HF_ENDPOINT for a mirror)", e);
    }
    try (InputStream in = response.body()) {
      if (response.statusCode() == 404 && missingOk) {
        return null;
      }
      if (response.statusCode() != 200) {
        throw httpError(response, what);
      }
      byte[] body = in.readNBytes(MAX_JSON + 1);
      if (body.length > MAX_JSON) {
        throw new PullException(what + " from " + uri + " is larger than " + (MAX_JSON >> 20) + " MB");
      }
      JsonNode json = JSON.readTree(body);
      URI next = null;
      for (String link : response.headers().allValues("Link")) {
        Matcher m = NEXT_LINK.matcher(link);
        if (m.find()) {
          next = response.uri().resolve(m.group(1));
        }
      }
      return new Page(json, next);
    } catch (IOException e) {
      throw new PullException("reading " + what + " from " + uri + " failed: " + describe(e), e);
    } catch (JacksonException e) {
      throw new PullException(what + " from " + uri + " is not the JSON the Hub API returns: "
          + e.getOriginalMessage(), e);
    }
  }

  /** GET {@code uri} from byte {@code from} on, following redirects; the token goes to the endpoint's host only. */
  private HttpResponse<InputStream> send(URI uri, long from, String what)
      throws IOException, InterruptedException, PullException {
    URI current = uri;
    for (int hop = 0; ; hop++) {
      HttpRequest.Builder request = HttpRequest.newBuilder(current).GET()
          .timeout(Duration.ofSeconds(60))
          .header("User-Agent", "fathom-pull/0.1");
      if (options.token() != null && sameOrigin(current, origin)) {
        request.header("Authorization", "Bearer " + options.token());
      }
      if (from > 0) {
        request.header("Range", "bytes=" + from + "-");
      }
      HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      int status = response.statusCode();
      if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
        return response;
      }
      response.body().close();
      String location = response.headers().firstValue("Location").orElse(null);
      if (location == null) {
        throw new PullException(what + ": the server redirected (HTTP " + status + ") without a Location");
      }
      if (hop >= MAX_REDIRECTS) {
        throw new PullException(what + ": more than " + MAX_REDIRECTS + " redirects from " + uri);
      }
      URI next;
      try {
        next = current.resolve(URI.create(location.strip()));
      } catch (IllegalArgumentException e) {
        throw new PullException(what + ": the server redirected to a malformed URL '" + location + "'");
      }
      if (!"http".equalsIgnoreCase(next.getScheme()) && !"https".equalsIgnoreCase(next.getScheme())) {
        throw new PullException(what + ": refusing a redirect to '" + location + "' (only http and https)");
      }
      current = next;
    }
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null
        && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
  }

  private static int port(URI u) {
    return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  /** An error for a response that is neither success nor redirect, in the Hub's terms. */
  private PullException httpError(HttpResponse<?> response, String what) {
    progress.endLine();
    int status = response.statusCode();
    String code = response.headers().firstValue("X-Error-Code").orElse("");
    String message = response.headers().firstValue("X-Error-Message").map(m -> " (" + m + ")").orElse("");
    String repo = options.repo();
    String rev = options.revision();
    String tokenHint = options.token() == null
        ? "set HF_TOKEN (or --token) to a Hugging Face access token that can read it"
        : "the token given was refused: check that it can read " + repo;
    if (code.equals("RepoNotFound")) {
      return new PullException("repository " + repo + " not found on " + options.endpoint() + message
          + (options.token() == null ? "; if it is private, set HF_TOKEN" : ""));
    }
    if (code.equals("RevisionNotFound")) {
      return new PullException("revision '" + rev + "' not found in " + repo + message);
    }
    if (code.equals("GatedRepo")) {
      return new PullException(repo + " is gated: accept its terms on " + options.endpoint() + "/" + repo
          + " and " + tokenHint + message);
    }
    return switch (status) {
      case 401, 403 -> new PullException(
          what + ": HTTP " + status + ", access denied to " + repo + message + "; " + tokenHint);
      case 404 -> what.startsWith("file ")
          ? new PullException(what + " not found in " + repo + " at revision " + rev + " (HTTP 404)" + message)
          : new PullException("repository " + repo + " or its revision '" + rev + "' not found on "
              + options.endpoint() + " (HTTP 404)" + message);
      case 429 -> new PullException(what + ": the Hub is rate-limiting (HTTP 429)" + message + "; wait and run again"
          + (options.token() == null ? ", or set HF_TOKEN" : ""));
      default -> new PullException(what + ": HTTP " + status + " from " + response.uri() + message);
    };
  }

  // ---- helpers ----

  private static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String describe(IOException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Hashes the first {@code length} bytes of {@code file} (all when -1) into {@code md}, or a new digest. */
  private static String sha256(Path file, long length, MessageDigest md) throws IOException {
    MessageDigest d = md == null ? sha256() : md;
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[BUFFER];
      long left = length < 0 ? Long.MAX_VALUE : length;
      for (int n; left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0; ) {
        d.update(buffer, 0, n);
        left -= n;
      }
    }
    return md == null ? HexFormat.of().formatHex(d.digest()) : null;
  }

  private static long sizeQuietly(Path p) {
    try {
      return Files.isRegularFile(p) ? Files.size(p) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // best effort
    }
  }
}
