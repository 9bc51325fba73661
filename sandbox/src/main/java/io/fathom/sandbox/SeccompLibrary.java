package io.fathom.sandbox;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * Bindings to libseccomp ({@code libseccomp.so.2}) through Panama FFM, just enough to build a
 * filter at run time and export it as a classic-BPF program: {@code seccomp_init}, {@code
 * seccomp_syscall_resolve_name}, {@code seccomp_rule_add_array} (the non-variadic form: the
 * argument comparisons are passed as an array of {@code struct scmp_arg_cmp}), {@code
 * seccomp_export_bpf} and {@code seccomp_release}. The filter is never loaded into this JVM: it is
 * exported into a {@code memfd} (libc {@code memfd_create}, read back with {@code lseek}/{@code
 * read}), and bubblewrap loads it into the sandboxed process with {@code --seccomp FD}.
 *
 * <p>The library is looked up once per {@link #load()}; when it is missing the error names the
 * Debian package ({@code apt-get install -y libseccomp2}). Calls need {@code
 * --enable-native-access=ALL-UNNAMED} (the project's JVM flags) to run without a warning.
 */
@SuppressWarnings("restricted") // FFM downcalls: the JVM runs with --enable-native-access=ALL-UNNAMED
public final class SeccompLibrary {

  /** The library's soname. */
  public static final String SONAME = "libseccomp.so.2";
  /** The command that installs it on Debian/Ubuntu. */
  public static final String INSTALL = "apt-get install -y libseccomp2";

  /** {@code SCMP_ACT_ALLOW}. */
  public static final int ACT_ALLOW = 0x7fff0000;

  /** {@code SCMP_ACT_ERRNO(errno)}. */
  public static int actErrno(int errno) {
    return 0x00050000 | (errno & 0xffff);
  }

  /** {@code enum scmp_compare}. */
  public enum Compare {
    NE(1), LT(2), LE(3), EQ(4), GE(5), GT(6), MASKED_EQ(7);

    final int code;

    Compare(int code) {
      this.code = code;
    }
  }

  /**
   * One {@code struct scmp_arg_cmp}: argument {@code arg} (0-based) compared with {@code op}; for
   * {@link Compare#MASKED_EQ}, {@code (arg & a) == b}, otherwise {@code arg op a}.
   */
  public record ArgCmp(int arg, Compare op, long a, long b) {
    public static ArgCmp eq(int arg, long v) {
      return new ArgCmp(arg, Compare.EQ, v, 0);
    }

    public static ArgCmp ne(int arg, long v) {
      return new ArgCmp(arg, Compare.NE, v, 0);
    }

    /** True when all bits of {@code mask} are set in the argument. */
    public static ArgCmp allBits(int arg, long mask) {
      return new ArgCmp(arg, Compare.MASKED_EQ, mask, mask);
    }
  }

  static final StructLayout SCMP_ARG_CMP = MemoryLayout.structLayout(
      JAVA_INT.withName("arg"), JAVA_INT.withName("op"),
      JAVA_LONG.withName("datum_a"), JAVA_LONG.withName("datum_b"));

  private static final int MFD_CLOEXEC = 1;

  private final MethodHandle init;
  private final MethodHandle release;
  private final MethodHandle resolveName;
  private final MethodHandle ruleAddArray;
  private final MethodHandle exportBpf;
  private final MethodHandle memfdCreate;
  private final MethodHandle lseek;
  private final MethodHandle read;
  private final MethodHandle close;

  private SeccompLibrary(SymbolLookup seccomp) {
    Linker linker = Linker.nativeLinker();
    SymbolLookup libc = linker.defaultLookup();
    init = handle(linker, seccomp, "seccomp_init", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    release = handle(linker, seccomp, "seccomp_release", FunctionDescriptor.ofVoid(ADDRESS));
    resolveName = handle(linker, seccomp, "seccomp_syscall_resolve_name", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    ruleAddArray = handle(linker, seccomp, "seccomp_rule_add_array",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    exportBpf = handle(linker, seccomp, "seccomp_export_bpf", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    memfdCreate = handle(linker, libc, "memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    lseek = handle(linker, libc, "lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    read = handle(linker, libc, "read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    close = handle(linker, libc, "close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  }

  /**
   * Loads libseccomp.
   *
   * @throws SandboxUnavailableException naming the package to install when the library is missing
   */
  public static SeccompLibrary load() {
    SymbolLookup lookup;
    try {
      lookup = SymbolLookup.libraryLookup(SONAME, Arena.global());
    } catch (IllegalArgumentException | IllegalCallerException e) {
      throw new SandboxUnavailableException(SONAME + " cannot be loaded (" + e.getMessage()
          + "); install it with: " + INSTALL, e);
    }
    return new SeccompLibrary(lookup);
  }

  private static MethodHandle handle(Linker linker, SymbolLookup lookup, String name, FunctionDescriptor fd) {
    MemorySegment symbol = lookup.find(name).orElseThrow(() -> new SandboxUnavailableException(
        "symbol " + name + " not found (is " + SONAME + " too old? install: " + INSTALL + ")"));
    return linker.downcallHandle(symbol, fd);
  }

  /** The syscall number on the native architecture, or a negative value when it has none. */
  public int resolve(String syscall) {
    try (Arena arena = Arena.ofConfined()) {
      return (int) resolveName.invokeExact(arena.allocateFrom(syscall));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** A new filter whose default action is {@code defaultAction}; close it to release it. */
  public Filter newFilter(int defaultAction) {
    MemorySegment ctx;
    try {
      ctx = (MemorySegment) init.invokeExact(defaultAction);
    } catch (Throwable t) {
      throw rethrow(t);
    }
    if (ctx.equals(MemorySegment.NULL)) {
      throw new SandboxUnavailableException("seccomp_init failed");
    }
    return new Filter(ctx);
  }

  /** A libseccomp filter context. Not thread-safe. */
  public final class Filter implements AutoCloseable {
    private MemorySegment ctx;

    private Filter(MemorySegment ctx) {
      this.ctx = ctx;
    }

    /**
     * Adds a rule: {@code action} for {@code syscall} when all {@code conditions} hold.
     *
     * @return false when the syscall does not exist on this architecture (nothing added)
     * @throws IllegalStateException when libseccomp rejects the rule
     */
    public boolean add(int action, String syscall, List<ArgCmp> conditions) {
      int nr = resolve(syscall);
      if (nr < 0) {
        return false;
      }
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment args = MemorySegment.NULL;
        if (!conditions.isEmpty()) {
          args = arena.allocate(SCMP_ARG_CMP, conditions.size());
          for (int i = 0; i < conditions.size(); i++) {
            ArgCmp c = conditions.get(i);
            MemorySegment s = args.asSlice(i * SCMP_ARG_CMP.byteSize(), SCMP_ARG_CMP);
            s.set(JAVA_INT, 0, c.arg());
            s.set(JAVA_INT, 4, c.op().code);
            s.set(JAVA_LONG, 8, c.a());
            s.set(JAVA_LONG, 16, c.b());
          }
        }
        int rc = (int) ruleAddArray.invokeExact(live(), action, nr, conditions.size(), args);
        if (rc != 0) {
          throw new IllegalStateException("seccomp_rule_add_array(" + syscall + ", " + conditions
              + ") failed: errno " + -rc);
        }
        return true;
      } catch (RuntimeException e) {
        throw e;
      } catch (Throwable t) {
        throw rethrow(t);
      }
    }

    /** The filter as a classic-BPF program ({@code struct sock_filter[]}), as bwrap's {@code --seccomp} reads it. */
    public byte[] exportBpf() {
      int fd;
      try (Arena arena = Arena.ofConfined()) {
        fd = (int) memfdCreate.invokeExact(arena.allocateFrom("fathom-seccomp"), MFD_CLOEXEC);
      } catch (Throwable t) {
        throw rethrow(t);
      }
      if (fd < 0) {
        throw new IllegalStateException("memfd_create failed");
      }
      try (Arena arena = Arena.ofConfined()) {
        int rc = (int) exportBpf.invokeExact(live(), fd);
        if (rc != 0) {
          throw new IllegalStateException("seccomp_export_bpf failed: errno " + -rc);
        }
        long pos = (long) lseek.invokeExact(fd, 0L, 0);
        if (pos != 0) {
          throw new IllegalStateException("lseek on the memfd failed");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MemorySegment buf = arena.allocate(8192);
        while (true) {
          long n = (long) read.invokeExact(fd, buf, buf.byteSize());
          if (n < 0) {
            throw new IllegalStateException("read from the memfd failed");
          }
          if (n == 0) {
            break;
          }
          out.write(buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
        return out.toByteArray();
      } catch (RuntimeException e) {
        throw e;
      } catch (Throwable t) {
        throw rethrow(t);
      } finally {
        try {
          int ignored = (int) close.invokeExact(fd);
          assert ignored >= -1;
        } catch (Throwable t) {
          // closing a memfd cannot fail in a way that matters here
        }
      }
    }

    private MemorySegment live() {
      if (ctx == null) {
        throw new IllegalStateException("filter released");
      }
      return ctx;
    }

    @Override
    public void close() {
      if (ctx != null) {
        try {
          release.invokeExact(ctx);
        } catch (Throwable t) {
          throw rethrow(t);
        } finally {
          ctx = null;
        }
      }
    }
  }

  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(t);
  }
}
