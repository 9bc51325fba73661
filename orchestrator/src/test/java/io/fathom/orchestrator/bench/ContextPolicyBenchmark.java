package io.fathom.orchestrator.bench;

import io.fathom.orchestrator.context.CollapseState;
import io.fathom.orchestrator.context.ContextPolicy;
import io.fathom.orchestrator.context.ContextView;
import io.fathom.orchestrator.context.Ledger;
import io.fathom.orchestrator.context.PrefillAccounting;
import io.fathom.orchestrator.context.TestTokenizer;
import io.fathom.protocol.openai.ToolSpec;
import io.fathom.protocol.template.NanbeigeChatRenderer;
import io.fathom.protocol.tokenizer.HfTokenizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs a synthetic deep-search trajectory through each {@link ContextPolicy} and prints, per policy, the tokens
 * appended to the ledger, the tokens a worker with a prefix cache must prefill (per token and per 16-token block,
 * see {@link PrefillAccounting}), their ratio, the peak request, and the number of compactions.
 *
 * <p>The trajectory is seeded: a 300-round job whose rounds each generate a think block and one search call
 * (sometimes two) of 100–400 tokens in all, answered by 500–3,000 tokens of results, and a final answer. Text is
 * drawn from a generated lexicon whose words are single tokens of a small test tokenizer, so token counts are
 * exact and cheap; the model's outputs do not depend on the policy (a real model's would). All policies see the
 * same ledger; each keeps its own collapse state and prefill accounting, as one job's worker session would.
 *
 * <p>Run (the exec plugin is not in the offline repository; this is what {@code ./fathom bench} does for the
 * other benchmarks — a {@code context) module=orchestrator; main=…ContextPolicyBenchmark} line there would add it):
 * <pre>
 * ./mvnw -B -o -q -pl orchestrator -am install -DskipTests &amp;&amp; ./mvnw -B -o -q -pl orchestrator test-compile
 * ./mvnw -B -o -q -pl orchestrator dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
 * java -cp orchestrator/target/classes:orchestrator/target/test-classes:$(cat orchestrator/target/bench.classpath) \
 *     io.fathom.orchestrator.bench.ContextPolicyBenchmark [SEED [ROUNDS]]
 * </pre>
 */
public final class ContextPolicyBenchmark {

  private static final List<String> ONSETS = List.of("b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "th", "st", "pr");
  private static final List<String> VOWELS = List.of("a", "e", "i", "o", "u", "ea", "ou", "ai");
  private static final List<String> CODAS = List.of("", "", "n", "r", "s", "t", "l", "nd", "st");

  private ContextPolicyBenchmark() {}

  /** One policy's run. */
  private static final class Run {
    final ContextPolicy policy;
    final PrefillAccounting accounting = new PrefillAccounting(PrefillAccounting.DEFAULT_BLOCK_SIZE);
    CollapseState state = CollapseState.NONE;
    int peak;
    int compactions;
    int roundsCollapsed;
    long applyNanos;

    Run(ContextPolicy policy) {
      this.policy = policy;
    }

    void request(Ledger ledger) {
      long start = System.nanoTime();
      ContextView view = policy.apply(ledger, state);
      applyNanos += System.nanoTime() - start;
      state = view.state();
      view.compaction().ifPresent(c -> {
        compactions++;
        roundsCollapsed += c.roundsCollapsed();
      });
      peak = Math.max(peak, view.tokens());
      accounting.next(view.requestIds().toArray());
    }
  }

  public static void main(String[] args) {
    long seed = args.length > 0 ? Long.parseLong(args[0]) : 42L;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    Random random = new Random(seed);
    List<String> lexicon = lexicon(random, 3_000);
    long t0 = System.nanoTime();
    HfTokenizer tokenizer = TestTokenizer.build(lexicon);
    NanbeigeChatRenderer renderer = new NanbeigeChatRenderer();
    List<ToolSpec> tools =
        List.of(
            ToolSpec.function(
                "search",
                "Search the web and return the most relevant passages.",
                JsonMapper.builder().build().readTree(
                    "{\"type\": \"object\", \"properties\": {\"query\": {\"type\": \"string\"}}, \"required\": [\"query\"]}")));
    Ledger ledger = Ledger.start(renderer, tokenizer, null, tools, "Find out " + words(random, lexicon, 30) + "?");

    List<Run> runs =
        List.of(
            new Run(new ContextPolicy.Full()),
            new Run(new ContextPolicy.KeepLastK(5)),
            new Run(new ContextPolicy.Compact(229_376, 32_768)),
            new Run(new ContextPolicy.Compact(229_376, 65_536)),
            new Run(new ContextPolicy.Compact(32_768, 16_384)),
            new Run(new ContextPolicy.Compact(32_768, 8_192)));
    long assistantTokens = 0;
    long toolTokens = 0;
    long appended = 0;
    for (int round = 1; round <= rounds; round++) {
      for (Run run : runs) {
        run.request(ledger);
      }
      appended = ledger.requestSize(); // what the requests so far covered: the final answer is generated, not sent
      boolean last = round == rounds;
      int reasoning = 70 + random.nextInt(290);
      StringBuilder out = new StringBuilder("<think>\n").append(words(random, lexicon, reasoning)).append("\n</think>\n\n");
      int calls = last ? 0 : random.nextInt(5) == 0 ? 2 : 1;
      if (last) {
        out.append(words(random, lexicon, 20 + random.nextInt(30)));
      }
      for (int c = 0; c < calls; c++) {
        out.append(c == 0 ? "" : "\n").append("<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"")
            .append(words(random, lexicon, 3 + random.nextInt(6))).append("\"}}\n</tool_call>");
      }
      out.append("<|im_end|>");
      assistantTokens += ledger.appendAssistant(round, tokenizer.encode(out.toString()), "stop").length();
      if (!last) {
        int total = 500 + random.nextInt(2_501);
        List<String> results = new ArrayList<>();
        for (int c = 0; c < calls; c++) {
          results.add(passage(random, lexicon, calls == 1 ? total : total / 2));
        }
        toolTokens += ledger.appendToolResponses(round, results).length();
      }
    }
    long elapsedMs = (System.nanoTime() - t0) / 1_000_000;

    System.out.printf(Locale.ROOT, "Synthetic deep-search trajectory: seed %d, %d rounds, built and measured in %,d ms%n", seed, rounds, elapsedMs);
    System.out.printf(
        Locale.ROOT,
        "ledger: %,d tokens = prompt %,d + assistant turns %,d (%.0f/round) + tool-response turns %,d (%.0f/round);"
            + " appended up to the last request (with its generation prompt): %,d%n%n",
        ledger.size(), ledger.promptIds().length(), assistantTokens, (double) assistantTokens / rounds, toolTokens,
        (double) toolTokens / Math.max(1, rounds - 1), appended);
    System.out.println(
        "| policy | appended | prefill (token) | ratio | prefill (16-block) | ratio | peak context | compactions (rounds collapsed) | apply µs/round |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (Run run : runs) {
      PrefillAccounting.Totals t = run.accounting.totals();
      String compactions =
          run.policy instanceof ContextPolicy.Compact ? String.format(Locale.ROOT, "%,d (%,d)", run.compactions, run.roundsCollapsed) : "—";
      System.out.printf(
          Locale.ROOT,
          "| `%s` | %,d | %,d | %.3f | %,d | %.3f | %,d%s | %s | %.0f |%n",
          run.policy.spec(),
          appended,
          t.prefillTokens(),
          (double) t.prefillTokens() / appended,
          t.blockPrefillTokens(),
          (double) t.blockPrefillTokens() / appended,
          run.peak,
          run.peak > 262_144 ? " (over 262,144)" : "",
          compactions,
          run.applyNanos / 1_000.0 / rounds);
    }
  }

  /** {@code n} distinct pronounceable words. */
  private static List<String> lexicon(Random random, int n) {
    Set<String> words = new LinkedHashSet<>();
    while (words.size() < n) {
      StringBuilder w = new StringBuilder();
      for (int s = 1 + random.nextInt(3); s > 0; s--) {
        w.append(ONSETS.get(random.nextInt(ONSETS.size()))).append(VOWELS.get(random.nextInt(VOWELS.size())))
            .append(CODAS.get(random.nextInt(CODAS.size())));
      }
      words.add(w.toString());
    }
    return List.copyOf(words);
  }

  /** {@code n} words separated by spaces: {@code n} tokens. */
  private static String words(Random random, List<String> lexicon, int n) {
    StringBuilder sb = new StringBuilder(n * 7);
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : " ").append(lexicon.get(random.nextInt(lexicon.size())));
    }
    return sb.toString();
  }

  /** About {@code n} tokens of text in lines of 12 words. */
  private static String passage(Random random, List<String> lexicon, int n) {
    StringBuilder sb = new StringBuilder(n * 7);
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : i % 12 == 0 ? "\n" : " ").append(lexicon.get(random.nextInt(lexicon.size())));
    }
    return sb.toString();
  }
}
