package io.fathom.worker.metrics;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** A Prometheus histogram with fixed upper bounds (seconds), safe to observe from any thread. */
final class Histogram {

  private final double[] bounds;
  private final AtomicLongArray counts;
  private final LongAdder count = new LongAdder();
  private final DoubleAdder sum = new DoubleAdder();

  Histogram(double... bounds) {
    this.bounds = bounds.clone();
    this.counts = new AtomicLongArray(bounds.length);
  }

  void observe(double value) {
    for (int i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        counts.incrementAndGet(i);
        break;
      }
    }
    count.increment();
    sum.add(value);
  }

  long count() {
    return count.sum();
  }

  void write(StringBuilder out, String name, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" histogram\n");
    long cumulative = 0;
    for (int i = 0; i < bounds.length; i++) {
      cumulative += counts.get(i);
      out.append(name).append("_bucket{le=\"").append(bounds[i]).append("\"} ").append(cumulative).append('\n');
    }
    long total = count.sum();
    out.append(name).append("_bucket{le=\"+Inf\"} ").append(total).append('\n');
    out.append(name).append("_sum ").append(sum.sum()).append('\n');
    out.append(name).append("_count ").append(total).append('\n');
  }
}
