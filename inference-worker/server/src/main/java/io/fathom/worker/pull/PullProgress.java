package io.fathom.worker.pull;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Reports a pull: on a terminal one line per file, rewritten in place (bytes, %, MB/s); otherwise plain lines (a
 * start and an end line per file, and one per 10% of a large file).
 */
public final class PullProgress {

  private static final long REDRAW_NANOS = 200_000_000L;
  private static final long LARGE = 64L << 20;

  private final PrintStream out;
  private final boolean tty;
  private String path;
  private long total;
  private long startBytes;
  private long startNanos;
  private long lastDraw;
  private int lastDecile;

  public PullProgress(PrintStream out, boolean tty) {
    this.out = out;
    this.tty = tty;
  }

  /** Progress on standard output, redrawn in place when it is a terminal. */
  public static PullProgress console() {
    var console = System.console();
    return new PullProgress(System.out, console != null && console.isTerminal());
  }

  /** No output at all. */
  public static PullProgress quiet() {
    return new PullProgress(new PrintStream(OutputStream.nullOutputStream()), false);
  }

  void note(String message) {
    endLine();
    out.println(message);
    out.flush();
  }

  void skipped(String file, long size) {
    note(String.format(Locale.ROOT, "  %s: already complete (%s)", file, bytes(size)));
  }

  void start(String file, long size, long from) {
    endLine();
    path = file;
    total = size;
    startBytes = from;
    startNanos = System.nanoTime();
    lastDraw = 0;
    lastDecile = size > 0 ? (int) (from * 10 / size) : 0;
    if (tty) {
      draw(from);
    } else {
      out.println("  " + file + ": downloading " + (size >= 0 ? bytes(size) : "(size unknown)")
          + (from > 0 ? ", resuming at " + bytes(from) : ""));
      out.flush();
    }
  }

  void advance(long done) {
    if (path == null) {
      return;
    }
    long now = System.nanoTime();
    if (tty) {
      if (now - lastDraw >= REDRAW_NANOS) {
        lastDraw = now;
        draw(done);
      }
    } else if (total >= LARGE) {
      int decile = (int) (done * 10 / total);
      if (decile > lastDecile && decile < 10) {
        lastDecile = decile;
        out.println("  " + path + ": " + line(done));
        out.flush();
      }
    }
  }

  void finished(long done) {
    if (path == null) {
      return;
    }
    if (tty) {
      draw(done);
      out.println();
    } else {
      out.println("  " + path + ": done, " + line(done));
    }
    out.flush();
    path = null;
  }

  /** Ends an in-place line (after an error, say) so that what follows starts on a line of its own. */
  void endLine() {
    if (path != null && tty) {
      out.println();
      out.flush();
    }
    path = null;
  }

  private void draw(long done) {
    out.print("\r  " + path + "  " + line(done) + "\u001b[K");
    out.flush();
  }

  private String line(long done) {
    double seconds = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
    double rate = (done - startBytes) / seconds / 1e6;
    String of = total >= 0 ? " / " + bytes(total) : "";
    String pct = total > 0 ? String.format(Locale.ROOT, " %3d%%", Math.min(100, done * 100 / total)) : "";
    return String.format(Locale.ROOT, "%s%s%s  %.1f MB/s", bytes(done), of, pct, rate);
  }

  /** A byte count for people: 512 B, 1.2 kB, 3.40 GB (powers of 1000, as the Hub shows them). */
  static String bytes(long n) {
    if (n < 1000) {
      return n + " B";
    }
    String[] units = {"kB", "MB", "GB", "TB"};
    double v = n;
    int u = -1;
    while (v >= 1000 && u < units.length - 1) {
      v /= 1000;
      u++;
    }
    return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
  }
}
