package io.fathom.tools.search;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.FSDirectory;

/**
 * One open corpus: its Lucene directory, its single {@link IndexWriter}, and a {@link
 * SearcherManager} refreshed after each commit. Documents have a stored, unanalyzed {@code id}, and
 * a stored {@code title} and {@code body} analyzed with the store's analyzer, the body indexed with
 * offsets for highlighting. Ingests into one corpus run one at a time ({@link #lock()}); searches
 * run alongside. Thread-safe.
 */
final class CorpusIndex implements Closeable {

  static final String ID = "id";
  static final String TITLE = "title";
  static final String BODY = "body";

  private static final FieldType TEXT = textType();

  private final String tenant;
  private final String name;
  private final Path directory;
  private final FSDirectory store;
  private final IndexWriter writer;
  private final SearcherManager searchers;
  private final ReentrantLock ingest = new ReentrantLock();
  private volatile boolean closed;

  private CorpusIndex(String tenant, String name, Path directory, FSDirectory store, IndexWriter writer)
      throws IOException {
    this.tenant = tenant;
    this.name = name;
    this.directory = directory;
    this.store = store;
    this.writer = writer;
    this.searchers = new SearcherManager(writer, null);
  }

  /** Opens the index in {@code directory}, creating it (with a first, empty commit) when {@code create}. */
  static CorpusIndex open(String tenant, String name, Path directory, Analyzer analyzer, boolean create)
      throws IOException {
    FSDirectory store = FSDirectory.open(directory);
    try {
      IndexWriterConfig config =
          new IndexWriterConfig(analyzer)
              .setOpenMode(create ? IndexWriterConfig.OpenMode.CREATE : IndexWriterConfig.OpenMode.APPEND)
              .setRAMBufferSizeMB(64)
              .setCommitOnClose(false);
      IndexWriter writer = new IndexWriter(store, config);
      if (create) {
        writer.commit();
      }
      return new CorpusIndex(tenant, name, directory, store, writer);
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
  }

  String tenant() {
    return tenant;
  }

  String name() {
    return name;
  }

  Path directory() {
    return directory;
  }

  IndexWriter writer() {
    return writer;
  }

  /** Held while an ingest writes and commits; {@link #close()} waits for it. */
  ReentrantLock lock() {
    return ingest;
  }

  boolean closed() {
    return closed;
  }

  /** A searcher on the last refresh; give it back with {@link #release}. */
  IndexSearcher acquire() throws IOException {
    try {
      return searchers.acquire();
    } catch (AlreadyClosedException e) {
      throw gone();
    }
  }

  void release(IndexSearcher searcher) throws IOException {
    searchers.release(searcher);
  }

  /** Commits what was written and makes it searchable. */
  void commit() throws IOException {
    writer.commit();
    searchers.maybeRefreshBlocking();
  }

  /** Adds the document, replacing any with the same id. */
  void put(String id, String title, String text) throws IOException {
    Document document = new Document();
    document.add(new StringField(ID, id, Field.Store.YES));
    document.add(new Field(TITLE, title, TEXT));
    document.add(new Field(BODY, text, TEXT));
    writer.updateDocument(new Term(ID, id), document);
  }

  SearchException gone() {
    return new SearchException("not_found", "the corpus '" + name + "' was deleted");
  }

  /** Waits for a running ingest, then closes the searchers, the writer (dropping what was not committed) and the directory. */
  @Override
  public void close() throws IOException {
    ingest.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      try {
        searchers.close();
        writer.rollback();
      } finally {
        store.close();
      }
    } finally {
      ingest.unlock();
    }
  }

  private static FieldType textType() {
    FieldType type = new FieldType();
    type.setTokenized(true);
    type.setStored(true);
    type.setIndexOptions(IndexOptions.DOCS_AND_FREQS_AND_POSITIONS_AND_OFFSETS);
    type.freeze();
    return type;
  }
}
