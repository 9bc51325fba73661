package io.fathom.sandbox;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code mount(2)} and {@code umount2(2)} through Panama FFM (libc), with {@code errno} captured
 * so a failure says why, and the mount points of {@code /proc/self/mountinfo}. The calls need
 * {@code CAP_SYS_ADMIN}: the service runs as root. No {@code mount} binary is involved, so nothing
 * depends on its location or on {@code /etc/fstab}.
 */
@SuppressWarnings("restricted") // FFM downcalls: the JVM runs with --enable-native-access=ALL-UNNAMED
final class LinuxMounts {

  static final long MS_NOSUID = 2;
  static final long MS_NODEV = 4;
  static final int MNT_DETACH = 2;
  static final int EPERM = 1;
  static final int ENOENT = 2;
  static final int EBUSY = 16;
  static final int EINVAL = 22;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
  private static final VarHandle ERRNO_VALUE = Linker.Option.captureStateLayout()
      .varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle MOUNT = downcall("mount",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), ERRNO);
  private static final MethodHandle UMOUNT2 = downcall("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
      ERRNO);
  private static final MethodHandle STRERROR = downcall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

  private LinuxMounts() {}

  private static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... options) {
    MemorySegment symbol = LINKER.defaultLookup().find(name)
        .orElseThrow(() -> new SandboxUnavailableException("libc has no " + name + "()"));
    return LINKER.downcallHandle(symbol, fd, options);
  }

  /** A failed system call: {@link #errno()} and the libc text for it in the message. */
  static final class MountException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    MountException(String message, int errno) {
      super(message + ": " + strerror(errno) + " (errno " + errno + ")");
      this.errno = errno;
    }

    int errno() {
      return errno;
    }
  }

  /** {@code mount(source, target, type, flags, data)}. */
  static void mount(String source, Path target, String type, long flags, String data) throws MountException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
      int rc = (int) MOUNT.invokeExact(state, arena.allocateFrom(source), arena.allocateFrom(target.toString()),
          arena.allocateFrom(type), flags, arena.allocateFrom(data));
      if (rc != 0) {
        throw new MountException("mount -t " + type + " on " + target + " failed", (int) ERRNO_VALUE.get(state, 0L));
      }
    } catch (MountException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("mount(2) downcall failed", t);
    }
  }

  /** {@code umount2(target, flags)}. */
  static void umount(Path target, int flags) throws MountException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
      int rc = (int) UMOUNT2.invokeExact(state, arena.allocateFrom(target.toString()), flags);
      if (rc != 0) {
        throw new MountException("umount " + target + " failed", (int) ERRNO_VALUE.get(state, 0L));
      }
    } catch (MountException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("umount2(2) downcall failed", t);
    }
  }

  static String strerror(int errno) {
    try {
      MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
      return s.equals(MemorySegment.NULL) ? "errno " + errno : s.reinterpret(1024).getString(0);
    } catch (Throwable t) {
      return "errno " + errno;
    }
  }

  /**
   * The mount points of this process's mount namespace at or under {@code dir}, deepest first
   * (the order to unmount them in).
   */
  static List<Path> mountedUnder(Path dir) throws IOException {
    List<Path> found = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f.length < 5) {
        continue;
      }
      Path p = Path.of(unescape(f[4]));
      if (p.startsWith(dir)) {
        found.add(p);
      }
    }
    found.sort(Comparator.comparingInt(Path::getNameCount).reversed());
    return found;
  }

  /** Whether {@code dir} is a mount point. */
  static boolean isMountPoint(Path dir) throws IOException {
    return mountedUnder(dir).contains(dir);
  }

  /** mountinfo escapes space, tab, newline and backslash as {@code \ooo}. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && isOctal(s, i + 1)) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean isOctal(String s, int from) {
    if (from + 3 > s.length()) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '7') {
        return false;
      }
    }
    return true;
  }
}
