package io.fathom.tools.search;

import io.fathom.tools.files.FileTrees;
import io.fathom.tools.visit.CorpusDocument;
import io.fathom.tools.visit.CorpusDocuments;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.MultiReader;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The users' own corpora: one Lucene index per tenant and corpus, at {@code root/<tenant>/<corpus>/}.
 * Tenant and corpus names are {@code [A-Za-z0-9_.-]{1,64}} (not dots only) and can never lead out of
 * the root; every operation takes the tenant, so a tenant only ever reaches its own directory.
 * Corpora are created, listed, deleted, fed documents ({@link #ingest}), searched with BM25 over
 * title (boosted) and body with Lucene's {@link EnglishAnalyzer}, and their documents opened by
 * {@code corpus://corpus/id} (as {@link CorpusDocuments}, for {@code visit}).
 *
 * <p>A corpus is opened on first use and stays open: one {@link org.apache.lucene.index.IndexWriter}
 * and one {@link org.apache.lucene.search.SearcherManager} each, refreshed when an ingest commits.
 * Thread-safe. All blocking work runs on the given scheduler; every method returns at once. Only
 * one store may use a root at a time (Lucene's write lock refuses a second).
 */
public final class CorpusStore implements CorpusDocuments, AutoCloseable {

  /** The scheme of document ids, {@code corpus://corpus/id}. */
  public static final String SCHEME = "corpus://";

  /** Snippets per hit, at most. */
  static final int SNIPPETS = 3;

  /** About how long a snippet is, in characters. */
  static final int SNIPPET_CHARS = 200;

  /** The most hits a search returns. */
  public static final int MAX_TOP_K = 100;

  private final Path root;
  private final IngestSettings settings;
  private final Scheduler blocking;
  private final Analyzer analyzer = new EnglishAnalyzer();
  private final CorpusQueries queries = new CorpusQueries(analyzer);
  private final ConcurrentMap<Path, CorpusIndex> open = new ConcurrentHashMap<>();
  private final ReentrantLock structure = new ReentrantLock();
  private volatile boolean closed;

  /** A store under {@code root} (created when missing), with {@link IngestSettings#defaults()}, blocking work on boundedElastic. */
  public CorpusStore(Path root) {
    this(root, IngestSettings.defaults(), Schedulers.boundedElastic());
  }

  /**
   * @param root the directory of all tenants' corpora; created when missing
   * @param settings ingest limits
   * @param blocking where index reads and writes, extraction and archive reading run
   */
  public CorpusStore(Path root, IngestSettings settings, Scheduler blocking) {
    this.root = root.toAbsolutePath().normalize();
    this.settings = settings;
    this.blocking = blocking;
    try {
      Files.createDirectories(this.root);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the corpus root " + this.root, e);
    }
  }

  /** The id of a document as hits show it and {@link #open} takes it: {@code corpus://corpus/id}. */
  public static String uri(String corpus, String id) {
    return SCHEME + corpus + "/" + id;
  }

  public IngestSettings settings() {
    return settings;
  }

  /** Creates an empty corpus; a {@link SearchException} {@code corpus_exists} when there is one of that name. */
  public Mono<CorpusInfo> create(String tenant, String corpus) {
    return blocking(() -> {
      Path directory = CorpusNames.corpusDirectory(root, tenant, corpus);
      structure.lock();
      try {
        ensureOpen();
        if (open.containsKey(directory) || indexExists(directory)) {
          throw new SearchException("corpus_exists", "there is already a corpus named '" + corpus + "'");
        }
        Files.createDirectories(directory);
        open.put(directory, CorpusIndex.open(tenant, corpus, directory, analyzer, true));
        return new CorpusInfo(corpus, 0);
      } finally {
        structure.unlock();
      }
    });
  }

  /** The tenant's corpora, by name; empty when it has none. */
  public Mono<List<CorpusInfo>> list(String tenant) {
    return blocking(() -> {
      List<CorpusInfo> corpora = new ArrayList<>();
      for (CorpusIndex index : all(tenant)) {
        IndexSearcher searcher = index.acquire();
        try {
          corpora.add(new CorpusInfo(index.name(), searcher.getIndexReader().numDocs()));
        } finally {
          index.release(searcher);
        }
      }
      return List.copyOf(corpora);
    });
  }

  /** Deletes a corpus and its files, after a running ingest into it ends; true when there was one. */
  public Mono<Boolean> delete(String tenant, String corpus) {
    return blocking(() -> {
      Path directory = CorpusNames.corpusDirectory(root, tenant, corpus);
      structure.lock();
      try {
        CorpusIndex index = open.remove(directory);
        if (index != null) {
          index.close();
        }
        if (index == null && !indexExists(directory)) {
          return false;
        }
        FileTrees.deleteTree(directory);
        return true;
      } finally {
        structure.unlock();
      }
    });
  }

  /**
   * Reads the sources into the corpus, replacing documents whose id is there already, and commits
   * once at the end. Unsupported, broken, oversized and refused documents are skipped and reported
   * in the summary; a {@link SearchException} {@code not_found} when there is no such corpus.
   * Ingests into one corpus run one after another.
   */
  public Mono<IngestSummary> ingest(String tenant, String corpus, List<IngestSource> sources) {
    List<IngestSource> all = List.copyOf(sources);
    return blocking(() -> {
      long start = System.nanoTime();
      CorpusIndex index = existing(tenant, corpus);
      index.lock().lock();
      try {
        if (index.closed()) {
          throw index.gone();
        }
        IndexSearcher before = index.acquire();
        IngestSummary summary;
        try {
          summary = new IngestRun(index, settings, before).run(all);
        } finally {
          index.release(before);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new IngestSummary(
            summary.added(), summary.replaced(), summary.skipped(), summary.bytes(), seconds, summary.complete(),
            summary.problems());
      } finally {
        index.lock().unlock();
      }
    });
  }

  /**
   * The best {@code topK} documents for {@code query} in the tenant's corpus, or in all its corpora
   * when {@code corpus} is {@code null} (scored as one collection). A {@link SearchException}: {@code
   * not_found} for a missing corpus, {@code no_corpus} when the tenant has none.
   */
  public Mono<SearchResults> search(String tenant, String corpus, String query, int topK) {
    if (topK < 1 || topK > MAX_TOP_K) {
      return Mono.error(new IllegalArgumentException("topK must be between 1 and " + MAX_TOP_K + ", was " + topK));
    }
    return blocking(() -> {
      List<CorpusIndex> indexes = corpus == null ? all(tenant) : List.of(existing(tenant, corpus));
      if (indexes.isEmpty()) {
        throw new SearchException("no_corpus", "there are no corpora to search yet");
      }
      return search(indexes, query, topK);
    });
  }

  private SearchResults search(List<CorpusIndex> indexes, String text, int topK) throws IOException {
    List<IndexSearcher> acquired = new ArrayList<>(indexes.size());
    try {
      for (CorpusIndex index : indexes) {
        acquired.add(index.acquire());
      }
      IndexReader[] readers = acquired.stream().map(IndexSearcher::getIndexReader).toArray(IndexReader[]::new);
      int[] starts = new int[readers.length];
      for (int i = 1; i < readers.length; i++) {
        starts[i] = starts[i - 1] + readers[i - 1].maxDoc();
      }
      MultiReader multi = readers.length == 1 ? null : new MultiReader(readers, false);
      try {
        IndexSearcher searcher = multi == null ? acquired.getFirst() : new IndexSearcher(multi);
        Query query = queries.parse(text);
        TopDocs top;
        try {
          top = searcher.search(query, topK);
        } catch (IndexSearcher.TooManyClauses e) {
          throw new SearchException("query_too_complex", "the query has too many words or operators");
        }
        int[] docIds = new int[top.scoreDocs.length];
        for (int i = 0; i < docIds.length; i++) {
          docIds[i] = top.scoreDocs[i].doc;
        }
        List<List<String>> snippets =
            new SnippetHighlighter(searcher, analyzer, SNIPPETS, SNIPPET_CHARS).snippets(query, docIds);
        StoredFields stored = searcher.storedFields();
        List<SearchHit> hits = new ArrayList<>(docIds.length);
        for (int i = 0; i < docIds.length; i++) {
          Document document = stored.document(docIds[i], Set.of(CorpusIndex.ID, CorpusIndex.TITLE));
          String corpus = indexes.get(reader(starts, docIds[i])).name();
          hits.add(new SearchHit(
              uri(corpus, document.get(CorpusIndex.ID)), document.get(CorpusIndex.TITLE),
              (double) top.scoreDocs[i].score, snippets.get(i)));
        }
        return new SearchResults(text, hits, top.totalHits.value());
      } finally {
        if (multi != null) {
          multi.close();
        }
      }
    } finally {
      for (int i = 0; i < acquired.size(); i++) {
        indexes.get(i).release(acquired.get(i));
      }
    }
  }

  /** The tenant's document {@code id} in {@code corpus}, or empty when there is none. */
  public Mono<Optional<CorpusDocument>> document(String tenant, String corpus, String id) {
    return blocking(() -> {
      if (!CorpusNames.valid(tenant) || !CorpusNames.valid(corpus) || id == null || id.isEmpty()) {
        return Optional.empty();
      }
      Optional<CorpusIndex> index = existingIfAny(tenant, corpus);
      if (index.isEmpty()) {
        return Optional.empty();
      }
      IndexSearcher searcher = index.get().acquire();
      try {
        TopDocs top = searcher.search(new TermQuery(new Term(CorpusIndex.ID, id)), 1);
        if (top.scoreDocs.length == 0) {
          return Optional.empty();
        }
        Document document = searcher.storedFields().document(top.scoreDocs[0].doc);
        return Optional.of(new CorpusDocument(
            uri(corpus, id), document.get(CorpusIndex.TITLE), document.get(CorpusIndex.BODY)));
      } finally {
        index.get().release(searcher);
      }
    });
  }

  /** Opens {@code corpus://corpus/id} (an id may be percent-encoded) of the tenant; empty when there is none. */
  @Override
  public Mono<Optional<CorpusDocument>> open(String tenant, String uri) {
    if (uri == null || !uri.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      return Mono.just(Optional.empty());
    }
    String rest = uri.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    if (slash <= 0 || slash == rest.length() - 1) {
      return Mono.just(Optional.empty());
    }
    String corpus = rest.substring(0, slash);
    String id = rest.substring(slash + 1);
    return document(tenant, corpus, id).flatMap(found -> {
      if (found.isPresent() || !id.contains("%")) {
        return Mono.just(found);
      }
      String decoded;
      try {
        decoded = URLDecoder.decode(id.replace("+", "%2B"), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return Mono.just(found);
      }
      return document(tenant, corpus, decoded);
    });
  }

  /** Closes every open corpus; what was not committed is dropped. */
  @Override
  public void close() throws IOException {
    structure.lock();
    try {
      closed = true;
      IOException failure = null;
      for (CorpusIndex index : open.values()) {
        try {
          index.close();
        } catch (IOException e) {
          failure = failure == null ? e : failure;
        }
      }
      open.clear();
      analyzer.close();
      if (failure != null) {
        throw failure;
      }
    } finally {
      structure.unlock();
    }
  }

  /** The open corpus, opening it when it exists on disk; a {@code not_found} when it does not. */
  private CorpusIndex existing(String tenant, String corpus) throws IOException {
    return existingIfAny(tenant, corpus)
        .orElseThrow(() -> new SearchException("not_found", "there is no corpus named '" + corpus + "'"));
  }

  private Optional<CorpusIndex> existingIfAny(String tenant, String corpus) throws IOException {
    Path directory = CorpusNames.corpusDirectory(root, tenant, corpus);
    CorpusIndex index = open.get(directory);
    if (index != null) {
      return Optional.of(index);
    }
    structure.lock();
    try {
      ensureOpen();
      index = open.get(directory);
      if (index == null && indexExists(directory)) {
        index = CorpusIndex.open(tenant, corpus, directory, analyzer, false);
        open.put(directory, index);
      }
      return Optional.ofNullable(index);
    } finally {
      structure.unlock();
    }
  }

  /** The tenant's corpora, by name, opened. */
  private List<CorpusIndex> all(String tenant) throws IOException {
    Path directory = CorpusNames.tenantDirectory(root, tenant);
    if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (CorpusNames.valid(name) && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
          names.add(name);
        }
      }
    }
    names.sort(Comparator.naturalOrder());
    List<CorpusIndex> indexes = new ArrayList<>(names.size());
    for (String name : names) {
      existingIfAny(tenant, name).ifPresent(indexes::add);
    }
    return indexes;
  }

  private static int reader(int[] starts, int doc) {
    int i = starts.length - 1;
    while (starts[i] > doc) {
      i--;
    }
    return i;
  }

  private static boolean indexExists(Path directory) throws IOException {
    if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "segments_*")) {
      return files.iterator().hasNext();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new SearchException("store_closed", "the corpus store is closed");
    }
  }

  private <T> Mono<T> blocking(Callable<T> work) {
    return Mono.fromCallable(work).subscribeOn(blocking);
  }
}
