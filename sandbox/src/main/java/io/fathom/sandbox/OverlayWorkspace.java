package io.fathom.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One copy-on-write workspace: an overlayfs mounted on the sandbox's workspace directory ({@code
 * <root>/ws/<id>}, which bubblewrap binds at {@code /workspace}) with
 *
 * <ul>
 *   <li>{@code lowerdir} — the repository's read-only snapshot ({@link OverlayWorkspaces}), shared
 *       by every sandbox over that repository and never written;
 *   <li>{@code upperdir} — {@code <root>/overlay/layers/<id>/upper}, owned by the sandbox user, mode
 *       0700: every file the sandbox creates or changes, and the whiteouts of what it deletes;
 *   <li>{@code workdir} — {@code <root>/overlay/layers/<id>/work}, overlayfs's scratch space.
 * </ul>
 *
 * <p>Mounted {@code nosuid,nodev} with {@code mount(2)} ({@link LinuxMounts}). Bubblewrap 0.8 has
 * no {@code --overlay}, and an unprivileged overlay inside the sandbox's user namespace would need
 * the lower files to be readable through an idmapping; a host mount by the (root) service is the
 * simple choice. {@link #close()} unmounts (lazily when something still holds the mount) and
 * deletes the layers.
 */
final class OverlayWorkspace implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(OverlayWorkspace.class);
  private static final String SOURCE = "fathom-overlay";

  private final Path lower;
  private final Path layers;
  private final Path mountPoint;

  private OverlayWorkspace(Path lower, Path layers, Path mountPoint) {
    this.lower = lower;
    this.layers = layers;
    this.mountPoint = mountPoint;
  }

  /**
   * Creates {@code layers/upper} (owned by the sandbox user) and {@code layers/work}, and mounts
   * the overlay of {@code lower} on {@code mountPoint}. On failure nothing is left behind.
   *
   * @throws SandboxUnavailableException saying why the mount failed
   */
  static OverlayWorkspace mount(Path lower, Path layers, Path mountPoint, Sandboxes owner) {
    Path upper = layers.resolve("upper");
    Path work = layers.resolve("work");
    for (Path p : List.of(lower, upper, work)) {
      String s = p.toString();
      if (s.contains(",") || s.contains(":") || s.contains("\\")) {
        throw new SandboxUnavailableException("cannot mount an overlay: the path " + s
            + " contains ',', ':' or '\\', which overlayfs options cannot hold; choose another sandbox root");
      }
    }
    try {
      Files.createDirectory(layers, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Files.createDirectory(upper, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      owner.chown(upper);
      Files.createDirectory(work, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      LinuxMounts.mount(SOURCE, mountPoint, "overlay", LinuxMounts.MS_NOSUID | LinuxMounts.MS_NODEV,
          "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work);
    } catch (IOException e) {
      try {
        Sandbox.deleteTree(layers);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      int errno = e instanceof LinuxMounts.MountException m ? m.errno() : 0;
      String hint = errno == LinuxMounts.EPERM ? " (mounting needs root: CAP_SYS_ADMIN in the initial namespaces)"
          : errno == LinuxMounts.EINVAL ? " (overlayfs refused the options; the kernel log, dmesg, says which)" : "";
      throw new SandboxUnavailableException("cannot mount the copy-on-write workspace " + mountPoint + " over "
          + lower + ": " + e.getMessage() + hint, e);
    }
    log.debug("overlay mounted on {} (lower {}, layers {})", mountPoint, lower, layers);
    return new OverlayWorkspace(lower, layers, mountPoint);
  }

  /** The read-only snapshot under the workspace. */
  Path lower() {
    return lower;
  }

  /** The directory holding {@code upper} and {@code work}. */
  Path layers() {
    return layers;
  }

  Path mountPoint() {
    return mountPoint;
  }

  /**
   * Unmounts the overlay and deletes its layers. A mount still busy after a few tries (a process
   * of the sandbox not yet gone) is detached lazily ({@code MNT_DETACH}): it disappears from the
   * tree at once and the kernel frees it when the last user goes. Unmounting what is no longer
   * mounted is not an error.
   *
   * @throws IOException when the mount cannot be removed at all (the layers are then kept)
   */
  @Override
  public void close() throws IOException {
    unmount(mountPoint);
    Sandbox.deleteTree(layers);
    log.debug("overlay on {} unmounted", mountPoint);
  }

  /** Unmounts {@code dir}; tolerant of "not mounted", lazy after repeated {@code EBUSY}. */
  static void unmount(Path dir) throws IOException {
    for (int attempt = 0; ; attempt++) {
      try {
        LinuxMounts.umount(dir, 0);
        if (!LinuxMounts.isMountPoint(dir)) {
          return;
        }
        // stacked mounts: take the next one off
      } catch (LinuxMounts.MountException e) {
        if (e.errno() == LinuxMounts.EINVAL || e.errno() == LinuxMounts.ENOENT) {
          if (!LinuxMounts.isMountPoint(dir)) {
            return; // not mounted (any more)
          }
          throw e;
        }
        if (e.errno() != LinuxMounts.EBUSY) {
          throw e;
        }
        if (attempt >= 20) {
          log.warn("{} still busy after {} tries; detaching it lazily", dir, attempt);
          LinuxMounts.umount(dir, LinuxMounts.MNT_DETACH);
          if (!LinuxMounts.isMountPoint(dir)) {
            return;
          }
        }
        try {
          TimeUnit.MILLISECONDS.sleep(50);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          LinuxMounts.umount(dir, LinuxMounts.MNT_DETACH);
          return;
        }
      }
      if (attempt > 40) {
        throw new IOException("cannot unmount " + dir + ": still mounted after " + attempt + " tries");
      }
    }
  }

  @Override
  public String toString() {
    return "OverlayWorkspace[" + mountPoint + " over " + lower + "]";
  }
}
