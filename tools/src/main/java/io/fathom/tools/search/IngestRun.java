package io.fathom.tools.search;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;

/**
 * One ingest into one corpus, run under the corpus's ingest lock: reads each source (expanding
 * archives), extracts and indexes its documents, counts what was added, replaced and skipped, and
 * commits once at the end. Not thread-safe.
 */
final class IngestRun {

  private static final int MAX_ID_CHARS = 1024;

  private final CorpusIndex index;
  private final IngestSettings settings;
  private final IngestBudget budget;
  private final IndexSearcher before;
  private final Set<String> seen = new HashSet<>();
  private final List<String> problems = new ArrayList<>();
  private long added;
  private long replaced;
  private long skipped;
  private boolean complete = true;

  IngestRun(CorpusIndex index, IngestSettings settings, IndexSearcher before) {
    this.index = index;
    this.settings = settings;
    this.budget = new IngestBudget(settings);
    this.before = before;
  }

  /** Ingests the sources and commits; the summary's seconds are filled in by the caller. */
  IngestSummary run(List<IngestSource> sources) throws IOException {
    for (IngestSource source : sources) {
      try {
        source(source);
      } catch (IngestStopped e) {
        complete = false;
        problem(source.fileName(), e.getMessage());
        break;
      }
    }
    index.commit();
    return new IngestSummary(added, replaced, skipped, budget.spent(), 0, complete, problems);
  }

  private void source(IngestSource source) {
    String name = source.fileName();
    try (InputStream raw = source.content().open();
        BufferedInputStream in = new BufferedInputStream(raw, DocumentKind.SNIFF_BYTES * 2)) {
      in.mark(DocumentKind.SNIFF_BYTES);
      byte[] head = in.readNBytes(DocumentKind.SNIFF_BYTES);
      in.reset();
      DocumentKind kind = DocumentKind.detect(name, head, head.length);
      if (kind.archive()) {
        String prefix = source.id() == null ? "" : ArchiveReader.id(source.id()) + "/";
        new ArchiveReader(settings, budget).read(
            kind, in,
            (path, bytes) -> document(name + "!/" + path, prefix + path, path, bytes),
            (path, reason) -> skip(name + "!/" + path, reason));
      } else {
        byte[] bytes = budget.read(in, false, () -> {});
        String id = source.id() == null ? ArchiveReader.id(name) : source.id();
        indexDocument(name, id, name, kind, bytes);
      }
    } catch (SkippedDocument e) {
      skip(name, e.getMessage());
    } catch (IOException e) {
      skip(name, "unreadable: " + e.getMessage());
    }
  }

  /** An archive entry: sniffed by its own name and bytes. */
  private void document(String where, String id, String path, byte[] bytes) {
    try {
      byte[] head = IngestBudget.head(bytes);
      indexDocument(where, id, path, DocumentKind.detect(path, head, head.length), bytes);
    } catch (SkippedDocument e) {
      skip(where, e.getMessage());
    }
  }

  private void indexDocument(String where, String id, String fileName, DocumentKind kind, byte[] bytes) {
    if (kind.archive()) {
      throw new SkippedDocument("an archive inside an archive is not read");
    }
    if (id.isBlank() || id.length() > MAX_ID_CHARS || id.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new SkippedDocument("its id must be 1 to " + MAX_ID_CHARS + " characters without control characters");
    }
    ExtractedDocument document = DocumentExtractor.extract(fileName, kind, bytes);
    try {
      boolean existed = !seen.add(id) || before.count(new TermQuery(new Term(CorpusIndex.ID, id))) > 0;
      index.put(id, document.title(), document.text());
      if (existed) {
        replaced++;
      } else {
        added++;
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new SkippedDocument("could not be indexed: " + e.getMessage());
    }
  }

  private void skip(String where, String reason) {
    skipped++;
    problem(where, reason);
  }

  private void problem(String where, String reason) {
    if (problems.size() < settings.maxReportedProblems()) {
      problems.add(where + ": " + reason);
    }
  }
}
