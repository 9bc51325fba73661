package io.fathom.engine.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Large zeroed off-heap buffers for repacked weights (gigabytes), mapped straight from the kernel with {@code
 * mmap} rather than through the JDK's direct-memory allocator: they do not count against {@code
 * -XX:MaxDirectMemorySize} (by default the heap's size, too small for a 3B model's 7 GB of bf16), their pages
 * come zeroed and only when first touched, and they are advised to use transparent huge pages ({@code
 * MADV_HUGEPAGE}, aligned to 2 MiB), so streaming them costs few TLB misses. The memory is unmapped when the arena closes. Where {@code mmap} is not found (not Linux), the arena
 * allocates instead.
 */
final class AnonymousMemory {

  private static final long HUGE_PAGE = 2L << 20;
  private static final int PROT_READ_WRITE = 0x1 | 0x2;
  private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
  private static final int MADV_HUGEPAGE = 14;
  private static final Optional<Calls> CALLS = Calls.find();

  private record Calls(MethodHandle mmap, MethodHandle munmap, MethodHandle madvise) {
    static Optional<Calls> find() {
      if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
        return Optional.empty();
      }
      Linker linker = Linker.nativeLinker();
      SymbolLookup libc = linker.defaultLookup();
      Optional<MemorySegment> mmap = libc.find("mmap");
      Optional<MemorySegment> munmap = libc.find("munmap");
      Optional<MemorySegment> madvise = libc.find("madvise");
      if (mmap.isEmpty() || munmap.isEmpty() || madvise.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(new Calls(
          linker.downcallHandle(mmap.get(), FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
              ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
              ValueLayout.JAVA_LONG)),
          linker.downcallHandle(munmap.get(),
              FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG)),
          linker.downcallHandle(madvise.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
              ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT))));
    }
  }

  private AnonymousMemory() {}

  /**
   * {@code bytes} of zeroed memory, 64-byte aligned (2 MiB where mapped), freed when {@code arena} closes. Less
   * than 2 MiB comes from the arena itself.
   *
   * @throws OutOfMemoryError when the system refuses the mapping (the message says how much was asked)
   */
  static MemorySegment allocate(long bytes, Arena arena) {
    if (bytes < 0) {
      throw new IllegalArgumentException("a negative size: " + bytes + " bytes");
    }
    if (bytes < HUGE_PAGE || CALLS.isEmpty()) {
      return arena.allocate(bytes, 64); // a small matrix: no mapping of its own, no huge page
    }
    Calls calls = CALLS.get();
    long total = bytes + HUGE_PAGE;
    MemorySegment base;
    try {
      base = (MemorySegment) calls.mmap().invokeExact(MemorySegment.NULL, total, PROT_READ_WRITE,
          MAP_PRIVATE_ANONYMOUS, -1, 0L);
    } catch (Throwable e) {
      throw new IllegalStateException("mmap failed: " + e, e);
    }
    if (base.address() == -1L) {
      throw new OutOfMemoryError("cannot map " + bytes + " bytes of anonymous memory for weights");
    }
    long start = (base.address() + HUGE_PAGE - 1) & -HUGE_PAGE;
    MemorySegment region = MemorySegment.ofAddress(start);
    try {
      int ignored = (int) calls.madvise().invokeExact(region, bytes, MADV_HUGEPAGE); // a hint: failure is fine
    } catch (Throwable e) {
      // no huge pages: the memory works all the same
    }
    long mapped = base.address();
    try {
      return region.reinterpret(bytes, arena, unused -> unmap(calls, mapped, total));
    } catch (RuntimeException e) { // a closed arena, or a confined one from another thread: nothing may leak
      unmap(calls, mapped, total);
      throw e;
    }
  }

  private static void unmap(Calls calls, long address, long bytes) {
    try {
      int ignored = (int) calls.munmap().invokeExact(MemorySegment.ofAddress(address), bytes);
    } catch (Throwable e) {
      throw new IllegalStateException("munmap failed: " + e, e);
    }
  }
}
