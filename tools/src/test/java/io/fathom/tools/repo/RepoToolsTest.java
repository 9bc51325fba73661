package io.fathom.tools.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fathom.sandbox.Sandbox;
import io.fathom.sandbox.SandboxConfig;
import io.fathom.sandbox.SandboxSetup;
import io.fathom.sandbox.Sandboxes;
import io.fathom.tools.Tool;
import io.fathom.tools.ToolContext;
import io.fathom.tools.ToolResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The repository tools against real sandboxes, each test over its own copy-on-write workspace of a
 * small Python repository made here (a module, a package and a unittest-style test file that fails
 * until {@code calc.add} is fixed).
 */
class RepoToolsTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  static Path base;
  static Path repository;
  static Sandboxes sandboxes;

  private final Map<UUID, Sandbox> byJob = new ConcurrentHashMap<>();
  private final UUID job = UUID.randomUUID();
  private RepoToolSettings settings;
  private Map<String, Tool> tools;

  @BeforeAll
  static void start() throws IOException {
    base = Files.createTempDirectory(Path.of("/tmp"), "fathom-repo-tools-test-");
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx--x--x"));
    SandboxConfig config = SandboxConfig.defaults(base.resolve("root")).withCgroupParent("fathom-test-repo")
        .withIdleTimeout(Duration.ZERO);
    SandboxSetup.Report report = SandboxSetup.check(config);
    assumeTrue(report.ready(), () -> "sandbox prerequisites missing (run sandbox/setup.sh as root):\n"
        + report.describe());
    sandboxes = new Sandboxes(config);
    repository = base.resolve("repo");
    Files.createDirectories(repository.resolve("pkg"));
    Files.createDirectories(repository.resolve("tests"));
    Files.createDirectories(repository.resolve(".git"));
    Files.writeString(repository.resolve(".git/config"), "[core]\n\tadd = hidden\n");
    Files.writeString(repository.resolve(".hidden"), "add\n");
    Files.writeString(repository.resolve("calc.py"), """
        def add(a, b):
            return a - b


        def mul(a, b):
            return a * b
        """);
    Files.writeString(repository.resolve("pkg/__init__.py"), "");
    Files.writeString(repository.resolve("pkg/strings.py"), """
        def shout(s):
            return s.upper()


        def whisper(s):
            return s.lower()
        """);
    Files.writeString(repository.resolve("tests/__init__.py"), "");
    Files.writeString(repository.resolve("tests/test_calc.py"), """
        import unittest

        import calc


        class CalcTest(unittest.TestCase):
            def test_add(self):
                self.assertEqual(calc.add(2, 3), 5)

            def test_mul(self):
                self.assertEqual(calc.mul(2, 3), 6)
        """);
    Files.write(repository.resolve("data.bin"), new byte[] {1, 0, 2, 'a', 'd', 'd'});
  }

  @AfterAll
  static void stop() throws IOException {
    if (sandboxes != null) {
      sandboxes.close();
    }
    if (base != null) {
      try (var walk = Files.walk(base)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  @BeforeEach
  void tools() {
    // pytest is not in the sandbox image here: the default test command is unittest's
    settings = RepoToolSettings.defaults().withTestCommand(List.of("python3", "-m", "unittest", "-q"))
        .withTestTimeout(Duration.ofSeconds(20));
    tools = new java.util.HashMap<>();
    for (Tool t : RepoTools.all(id -> byJob.computeIfAbsent(id, x -> sandboxes.create(repository)), settings,
        Schedulers.boundedElastic())) {
      tools.put(t.name(), t);
    }
  }

  @AfterEach
  void release() {
    byJob.values().forEach(s -> sandboxes.destroy(s.id()));
  }

  private ToolResult call(String tool, String json) {
    JsonNode args = JSON.readTree(json);
    return tools.get(tool).call(args, new ToolContext(job, "t", "c1", Instant.now().plusSeconds(120)))
        .block(Duration.ofSeconds(60));
  }

  private static String ok(ToolResult r) {
    assertThat(r).as(r.text()).isInstanceOf(ToolResult.Success.class);
    return r.text();
  }

  private static ToolResult.Failure failed(ToolResult r, String code) {
    assertThat(r).as(r.text()).isInstanceOf(ToolResult.Failure.class);
    ToolResult.Failure f = (ToolResult.Failure) r;
    assertThat(f.code()).as(f.message()).isEqualTo(code);
    return f;
  }

  private String file(String path) throws IOException {
    return new String(byJob.get(job).read(path), StandardCharsets.UTF_8);
  }

  @Test
  void theToolsDescribeThemselves() {
    assertThat(tools.keySet()).containsExactlyInAnyOrder("view", "create", "str_replace", "insert", "search_repo",
        "run_tests");
    assertThat(tools.get("view").idempotent()).isTrue();
    assertThat(tools.get("search_repo").idempotent()).isTrue();
    assertThat(tools.get("create").idempotent()).isFalse();
    assertThat(tools.get("str_replace").idempotent()).isFalse();
    assertThat(tools.get("insert").idempotent()).isFalse();
    assertThat(tools.get("run_tests").idempotent()).isFalse();
    for (Tool t : tools.values()) {
      assertThat(t.parameters().get("type").asString()).isEqualTo("object");
      assertThat(t.parameters().get("additionalProperties").booleanValue()).isFalse();
      assertThat(t.name()).matches("^[A-Za-z0-9_-]{1,64}$");
    }
  }

  // ------------------------------------------------------------------ view

  @Test
  void viewShowsAFileWithLineNumbers() {
    String out = ok(call("view", "{\"path\": \"calc.py\"}"));
    assertThat(out).contains("calc.py (6 lines)").contains("     1\tdef add(a, b):\n")
        .contains("     2\t    return a - b\n").contains("     6\t    return a * b\n");
    assertThat(ok(call("view", "{\"path\": \"/workspace/calc.py\"}"))).contains("     1\tdef add(a, b):");
  }

  @Test
  void viewShowsARangeOfLines() {
    String out = ok(call("view", "{\"path\": \"calc.py\", \"view_range\": [5, -1]}"));
    assertThat(out).contains("lines 5-6 of 6").contains("     5\tdef mul(a, b):").doesNotContain("def add");
    out = ok(call("view", "{\"path\": \"calc.py\", \"view_range\": [1, 2]}"));
    assertThat(out).contains("     2\t    return a - b").doesNotContain("mul");
  }

  @Test
  void viewRefusesARangeOutOfBounds() {
    assertThat(failed(call("view", "{\"path\": \"calc.py\", \"view_range\": [7, -1]}"), "invalid_arguments")
        .message()).contains("view_range").contains("6 lines");
    assertThat(failed(call("view", "{\"path\": \"calc.py\", \"view_range\": [3, 2]}"), "invalid_arguments")
        .message()).contains("view_range");
    assertThat(failed(call("view", "{\"path\": \"calc.py\", \"view_range\": [1]}"), "invalid_arguments")
        .message()).contains("view_range").contains("array of 2 integers");
    assertThat(failed(call("view", "{\"path\": \"pkg\", \"view_range\": [1, 2]}"), "invalid_arguments")
        .message()).contains("directory");
  }

  @Test
  void viewListsADirectoryTwoLevelsDeepWithoutHiddenEntries() {
    String out = ok(call("view", "{\"path\": \".\"}"));
    assertThat(out).contains("calc.py\n").contains("pkg/\n").contains("pkg/strings.py\n")
        .contains("tests/test_calc.py\n").doesNotContain(".git").doesNotContain(".hidden");
    assertThat(ok(call("view", "{\"path\": \"pkg\"}"))).contains("pkg/strings.py\n").doesNotContain("calc.py");
  }

  @Test
  void viewRefusesEscapesMissingBinaryAndLargeFiles() throws Exception {
    assertThat(failed(call("view", "{\"path\": \"../etc/passwd\"}"), "path_refused").message()).contains("..");
    assertThat(failed(call("view", "{\"path\": \"/etc/passwd\"}"), "path_refused").message()).contains("absolute");
    Sandbox s = sandboxes.create(repository);
    byJob.put(job, s);
    s.exec(io.fathom.sandbox.ExecRequest.bash("ln -s /etc/passwd out; ln -s .. up"));
    assertThat(failed(call("view", "{\"path\": \"out\"}"), "path_refused").message()).contains("outside");
    assertThat(failed(call("view", "{\"path\": \"up/x\"}"), "path_refused").message()).contains("above");
    assertThat(failed(call("view", "{\"path\": \"nope.py\"}"), "not_found").message()).contains("nope.py");
    assertThat(failed(call("view", "{\"path\": \"data.bin\"}"), "binary_file").message()).contains("binary");
    s.write("big.txt", new byte[(int) RepoToolSettings.DEFAULT_MAX_FILE_BYTES + 1]);
    assertThat(failed(call("view", "{\"path\": \"big.txt\"}"), "too_large").message())
        .contains(Long.toString(RepoToolSettings.DEFAULT_MAX_FILE_BYTES));
  }

  @Test
  void longOutputIsCutWithANote() throws IOException {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      b.append("line number ").append(i).append('\n');
    }
    ok(call("create", "{\"path\": \"long.txt\", \"file_text\": " + JSON.writeValueAsString(b.toString()) + "}"));
    String out = ok(call("view", "{\"path\": \"long.txt\"}"));
    assertThat(out.length()).isLessThanOrEqualTo(settings.outputChars());
    assertThat(out).contains("[output truncated").endsWith("[to see other lines, call view with a view_range]");
  }

  @Test
  void argumentsAreCheckedByName() {
    assertThat(failed(call("view", "{}"), "invalid_arguments").message()).isEqualTo("'path' is required");
    assertThat(failed(call("view", "{\"path\": 3}"), "invalid_arguments").message())
        .isEqualTo("'path' must be a string");
    assertThat(failed(call("view", "{\"path\": \"a\", \"colour\": 1}"), "invalid_arguments").message())
        .contains("'colour' is not a parameter");
    assertThat(failed(call("insert", "{\"path\": \"calc.py\", \"insert_line\": \"2\", \"new_str\": \"x\"}"),
        "invalid_arguments").message()).isEqualTo("'insert_line' must be an integer");
    assertThat(failed(call("search_repo", "{\"pattern\": \"add\", \"max_results\": 0}"), "invalid_arguments")
        .message()).contains("max_results");
    assertThat(failed(call("search_repo", "{\"pattern\": \"add\", \"regex\": \"yes\"}"), "invalid_arguments")
        .message()).isEqualTo("'regex' must be true or false");
    assertThat(failed(call("run_tests", "{\"command\": []}"), "invalid_arguments").message()).contains("command");
    assertThat(failed(call("run_tests", "{\"command\": [\"python3\", 1]}"), "invalid_arguments").message())
        .contains("command");
    assertThat(failed(call("create", "{\"path\": \"x.py\"}"), "invalid_arguments").message())
        .isEqualTo("'file_text' is required");
    assertThat(failed(call("str_replace", "{\"path\": \"calc.py\", \"old_str\": \"\"}"), "invalid_arguments")
        .message()).isEqualTo("'old_str' must not be empty");
    assertThat(byJob).as("no sandbox is made for a call with bad arguments").isEmpty();
  }

  // ------------------------------------------------------------------ create

  @Test
  void createMakesANewFileAndItsParents() throws IOException {
    String out = ok(call("create", "{\"path\": \"src/new/mod.py\", \"file_text\": \"X = 1\\nY = 2\\n\"}"));
    assertThat(out).contains("Created src/new/mod.py (2 lines");
    assertThat(file("src/new/mod.py")).isEqualTo("X = 1\nY = 2\n");
    assertThat(repository.resolve("src")).doesNotExist();
  }

  @Test
  void createRefusesToOverwrite() throws IOException {
    assertThat(failed(call("create", "{\"path\": \"calc.py\", \"file_text\": \"oops\"}"), "already_exists")
        .message()).contains("str_replace");
    assertThat(file("calc.py")).contains("def add");
    assertThat(failed(call("create", "{\"path\": \"pkg\", \"file_text\": \"oops\"}"), "already_exists")
        .message()).contains("directory");
    assertThat(failed(call("create", "{\"path\": \"../x.py\", \"file_text\": \"oops\"}"), "path_refused")
        .message()).contains("..");
  }

  @Test
  void createRefusesTooLargeFiles() {
    String big = "x".repeat((int) RepoToolSettings.DEFAULT_MAX_FILE_BYTES + 1);
    assertThat(failed(call("create", "{\"path\": \"big.py\", \"file_text\": \"" + big + "\"}"), "too_large")
        .message()).contains(Long.toString(RepoToolSettings.DEFAULT_MAX_FILE_BYTES));
  }

  // ------------------------------------------------------------------ str_replace

  @Test
  void strReplaceReplacesTheOneOccurrenceAndShowsIt() throws IOException {
    String out = ok(call("str_replace",
        "{\"path\": \"calc.py\", \"old_str\": \"return a - b\", \"new_str\": \"return a + b\"}"));
    assertThat(out).contains("     2\t    return a + b").contains("     1\tdef add(a, b):");
    assertThat(file("calc.py")).contains("return a + b").doesNotContain("a - b");
    assertThat(Files.readString(repository.resolve("calc.py"))).contains("return a - b");
  }

  @Test
  void strReplaceWithoutNewStrDeletes() throws IOException {
    ok(call("str_replace", "{\"path\": \"pkg/strings.py\", \"old_str\": \"\\n\\ndef whisper(s):\\n"
        + "    return s.lower()\\n\"}"));
    assertThat(file("pkg/strings.py")).isEqualTo("def shout(s):\n    return s.upper()\n");
  }

  @Test
  void strReplaceWithNoMatchIsAnError() throws IOException {
    assertThat(failed(call("str_replace", "{\"path\": \"calc.py\", \"old_str\": \"return a / b\", \"new_str\": \"x\"}"),
        "no_match").message()).contains("not found").contains("calc.py");
    assertThat(file("calc.py")).contains("return a - b");
  }

  @Test
  void strReplaceWithSeveralMatchesNamesTheirLines() throws IOException {
    ToolResult.Failure f = failed(call("str_replace",
        "{\"path\": \"calc.py\", \"old_str\": \"(a, b):\", \"new_str\": \"(a, b, c):\"}"), "multiple_matches");
    assertThat(f.message()).contains("2 times").contains("lines 1, 5");
    assertThat(file("calc.py")).doesNotContain("c):");
  }

  @Test
  void strReplaceRefusesBinaryAndMissingFiles() {
    failed(call("str_replace", "{\"path\": \"data.bin\", \"old_str\": \"add\", \"new_str\": \"x\"}"), "binary_file");
    failed(call("str_replace", "{\"path\": \"nope.py\", \"old_str\": \"add\", \"new_str\": \"x\"}"), "not_found");
    failed(call("str_replace", "{\"path\": \"pkg\", \"old_str\": \"add\", \"new_str\": \"x\"}"), "not_a_file");
  }

  // ------------------------------------------------------------------ insert

  @Test
  void insertAddsLinesAfterTheGivenLine() throws IOException {
    String out = ok(call("insert", "{\"path\": \"calc.py\", \"insert_line\": 0, \"new_str\": \"import math\"}"));
    assertThat(out).contains("     1\timport math").contains("     2\tdef add(a, b):");
    ok(call("insert", "{\"path\": \"calc.py\", \"insert_line\": 7, \"new_str\": \"\\n\\ndef sub(a, b):\\n"
        + "    return a - b\\n\"}"));
    assertThat(file("calc.py")).startsWith("import math\ndef add(a, b):\n")
        .endsWith("    return a * b\n\n\ndef sub(a, b):\n    return a - b\n");
    ok(call("insert", "{\"path\": \"calc.py\", \"insert_line\": 2, \"new_str\": \"    # adds\"}"));
    assertThat(RepoFiles.lines(file("calc.py")).get(2)).isEqualTo("    # adds");
  }

  @Test
  void insertAfterALastLineWithoutNewline() throws IOException {
    ok(call("create", "{\"path\": \"t.txt\", \"file_text\": \"a\\nb\"}"));
    ok(call("insert", "{\"path\": \"t.txt\", \"insert_line\": 2, \"new_str\": \"c\"}"));
    assertThat(file("t.txt")).isEqualTo("a\nb\nc\n");
  }

  @Test
  void insertOutOfRangeIsAnError() throws IOException {
    assertThat(failed(call("insert", "{\"path\": \"calc.py\", \"insert_line\": 8, \"new_str\": \"x\"}"),
        "invalid_arguments").message()).contains("insert_line").contains("has 6 lines").contains("0 to 6");
    assertThat(failed(call("insert", "{\"path\": \"calc.py\", \"insert_line\": -1, \"new_str\": \"x\"}"),
        "invalid_arguments").message()).contains("insert_line");
    assertThat(file("calc.py")).isEqualTo(Files.readString(repository.resolve("calc.py")));
  }

  // ------------------------------------------------------------------ search_repo

  @Test
  void searchFindsLinesSkippingGitAndBinaryFiles() {
    String out = ok(call("search_repo", "{\"pattern\": \"add\"}"));
    assertThat(out).contains("calc.py:1: def add(a, b):")
        .contains("tests/test_calc.py:8:         self.assertEqual(calc.add(2, 3), 5)")
        .contains("def test_add").doesNotContain(".git").doesNotContain("data.bin");
    assertThat(out).startsWith("4 matches for 'add' in .");
  }

  @Test
  void searchByRegexInAPath() {
    String out = ok(call("search_repo", "{\"pattern\": \"^def \\\\w+\\\\(s\\\\)\", \"regex\": true, \"path\": \"pkg\"}"));
    assertThat(out).contains("pkg/strings.py:1: def shout(s):").contains("pkg/strings.py:5: def whisper(s):")
        .doesNotContain("calc.py");
    assertThat(ok(call("search_repo", "{\"pattern\": \"(s)\", \"path\": \"pkg/strings.py\"}")))
        .contains("2 matches");
  }

  @Test
  void searchCapsItsResults() {
    String out = ok(call("search_repo", "{\"pattern\": \"a\", \"max_results\": 2}"));
    assertThat(out).startsWith("More than 2 matches");
    assertThat(out.lines().filter(l -> l.matches("^[^:]+:\\d+: .*"))).hasSize(2);
  }

  @Test
  void searchReportsNoMatchesBadPatternsAndBadPaths() {
    assertThat(ok(call("search_repo", "{\"pattern\": \"zebra\"}"))).startsWith("No matches");
    assertThat(failed(call("search_repo", "{\"pattern\": \"(unclosed\", \"regex\": true}"), "invalid_arguments")
        .message()).contains("'pattern'").contains("regular expression");
    assertThat(ok(call("search_repo", "{\"pattern\": \"(unclosed\"}"))).startsWith("No matches");
    failed(call("search_repo", "{\"pattern\": \"add\", \"path\": \"../..\"}"), "path_refused");
    failed(call("search_repo", "{\"pattern\": \"add\", \"path\": \"missing\"}"), "not_found");
  }

  // ------------------------------------------------------------------ run_tests

  @Test
  void runTestsFailsThenPassesAfterAFix() {
    String before = ok(call("run_tests", "{}"));
    assertThat(before).contains("exit code 1 (failed)").contains("FAIL: test_add").contains("-1 != 5");
    ok(call("str_replace", "{\"path\": \"calc.py\", \"old_str\": \"return a - b\", \"new_str\": \"return a + b\"}"));
    String after = ok(call("run_tests", "{}"));
    assertThat(after).contains("exit code 0 (passed)").contains("Ran 2 tests").contains("OK");
  }

  @Test
  void runTestsRunsAGivenCommand() {
    String out = ok(call("run_tests",
        "{\"command\": [\"python3\", \"-m\", \"unittest\", \"-v\", \"tests.test_calc.CalcTest.test_mul\"]}"));
    assertThat(out).contains("exit code 0 (passed)").contains("test_mul").contains("Ran 1 test");
    assertThat(ok(call("run_tests", "{\"command\": [\"no-such-program\"]}"))).contains("could not be started");
  }

  @Test
  void runTestsStopsAtItsTimeout() {
    settings = settings.withTestTimeout(Duration.ofSeconds(1));
    Tool slow = new RunTestsTool(id -> byJob.computeIfAbsent(id, x -> sandboxes.create(repository)), settings);
    ToolResult r = slow.call(JSON.readTree("{\"command\": [\"sleep\", \"10\"]}"),
        new ToolContext(job, "t", "c", null)).block(Duration.ofSeconds(30));
    assertThat(ok(r)).contains("killed: the tests ran past their time limit");
  }

  @Test
  void headAndTailKeepsTheSummary() {
    String text = "start\n" + "x".repeat(10_000) + "\n1 failed, 2 passed";
    String cut = RunTestsTool.headAndTail(text, 1000);
    assertThat(cut.length()).isLessThanOrEqualTo(1000);
    assertThat(cut).startsWith("start").endsWith("1 failed, 2 passed").contains("characters cut");
  }
}
