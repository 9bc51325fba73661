package io.fathom.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The copy-on-write workspaces of one {@link Sandboxes} registry: read-only repository snapshots
 * and the overlay layers of each sandbox, under {@code <root>/overlay} (mode 0700, root's: the
 * sandbox user never reaches it; overlayfs opens the layers with the mounter's credentials).
 *
 * <p><b>Why a snapshot.</b> overlayfs copy-up keeps the owner and mode of the lower file, so a
 * repository checked out by root (files {@code 0644 root:root}) would be read-only for the
 * unprivileged sandbox user, inside the overlay as well. Idmapped lower layers would avoid the copy
 * but need {@code open_tree}/{@code mount_setattr} with a user namespace file descriptor and map
 * only the uids listed. Instead, the first sandbox over a repository copies it once into {@code
 * <root>/overlay/repos/<hash>}: regular files, directories and symbolic links (links copied as
 * links, never followed; FIFOs, sockets and device nodes skipped), modes kept less set-uid, set-gid
 * and sticky bits, everything owned by the sandbox user. Every later sandbox over the same repository (same
 * real path and the same directory, by device and inode) mounts that snapshot as its lower layer; the
 * repository itself is only read, once.
 * A repository changed in place after its snapshot is not seen until the registry restarts; one replaced
 * by a new directory is (the old snapshot stays until then).
 *
 * <p><b>Leftovers.</b> Construction unmounts every mount left under {@code <root>/ws} or {@code
 * <root>/overlay} by an earlier run that died, then deletes the old layers and snapshots.
 */
final class OverlayWorkspaces {

  private static final Logger log = LoggerFactory.getLogger(OverlayWorkspaces.class);

  private final Path dir;
  private final Path repos;
  private final Path layers;
  private final Sandboxes owner;
  private final Map<String, Snapshot> snapshots = new ConcurrentHashMap<>();

  /**
   * @param dir the directory of snapshots and layers ({@code <root>/overlay})
   * @param workspaces the workspace directory of the registry ({@code <root>/ws}), swept for
   *     leftover mounts
   */
  OverlayWorkspaces(Path dir, Path workspaces, Sandboxes owner) throws IOException {
    this.dir = dir;
    this.repos = dir.resolve("repos");
    this.layers = dir.resolve("layers");
    this.owner = owner;
    unmountLeftovers(workspaces);
    unmountLeftovers(dir);
    Sandbox.deleteTree(dir);
    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Files.createDirectory(repos, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Files.createDirectory(layers, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
  }

  /** Unmounts every mount at or under {@code under}, deepest first; returns how many. */
  static int unmountLeftovers(Path under) throws IOException {
    int n = 0;
    for (Path p : LinuxMounts.mountedUnder(under)) {
      log.warn("unmounting {}, left mounted by an earlier run", p);
      OverlayWorkspace.unmount(p);
      n++;
    }
    return n;
  }

  /**
   * Mounts the overlay of {@code repository} on {@code mountPoint} (an empty directory) for sandbox
   * {@code id}.
   *
   * @throws SandboxUnavailableException when the repository is missing or unreadable, or the copy or
   *     the mount fails
   */
  OverlayWorkspace mount(String id, Path repository, Path mountPoint) {
    Path lower = snapshot(repository);
    return OverlayWorkspace.mount(lower, layers.resolve(id), mountPoint, owner);
  }

  /** The snapshot of {@code repository}, made now if this is the first sandbox over it. */
  Path snapshot(Path repository) {
    Path real;
    try {
      real = repository.toAbsolutePath().toRealPath();
    } catch (NoSuchFileException e) {
      throw new SandboxUnavailableException("repository " + repository + " does not exist");
    } catch (IOException e) {
      throw new SandboxUnavailableException("cannot open repository " + repository + ": " + e, e);
    }
    if (!Files.isDirectory(real)) {
      throw new SandboxUnavailableException("repository " + repository + " is not a directory");
    }
    if (real.startsWith(dir)) {
      throw new SandboxUnavailableException("repository " + repository + " is inside the sandbox root's overlay store");
    }
    // The directory's identity (device and inode) is part of the key: a repository replaced by renaming a new
    // directory into its place (as the repository API does) gets a new snapshot; one changed in place does not.
    String identity;
    try {
      Object fileKey = Files.readAttributes(real, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
      identity = real + "|" + fileKey;
    } catch (IOException e) {
      throw new SandboxUnavailableException("cannot open repository " + repository + ": " + e, e);
    }
    return snapshots.computeIfAbsent(identity, k -> new Snapshot(real, repos.resolve(key(k, real)))).get();
  }

  private static String key(String identity, Path real) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
      String name = real.getFileName() == null ? "root" : real.getFileName().toString().replaceAll("[^A-Za-z0-9_.-]", "_");
      return HexFormat.of().formatHex(h, 0, 8) + "-" + (name.length() > 40 ? name.substring(0, 40) : name);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One repository's snapshot, copied once under its own lock (other repositories are not held up). */
  private final class Snapshot {
    private final Path repository;
    private final Path target;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean ready;

    Snapshot(Path repository, Path target) {
      this.repository = repository;
      this.target = target;
    }

    Path get() {
      if (ready) {
        return target;
      }
      lock.lock();
      try {
        if (!ready) {
          copy();
          ready = true;
        }
        return target;
      } finally {
        lock.unlock();
      }
    }

    private void copy() {
      Path tmp = target.resolveSibling(target.getFileName() + ".partial");
      long t0 = System.nanoTime();
      long[] count = new long[2];
      try {
        Sandbox.deleteTree(tmp);
        Files.walkFileTree(repository, new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
            Path to = tmp.resolve(repository.relativize(d).toString());
            Files.createDirectory(to);
            owner.chown(to);
            Files.setPosixFilePermissions(to, permissions(d));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
            Path to = tmp.resolve(repository.relativize(f).toString());
            if (a.isSymbolicLink()) {
              Files.createSymbolicLink(to, Files.readSymbolicLink(f));
              owner.chown(to);
              count[0]++;
              return FileVisitResult.CONTINUE;
            }
            if (a.isRegularFile()) {
              Files.copy(f, to, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
              owner.chown(to);
              Files.setPosixFilePermissions(to, permissions(f));
              count[1] += a.size();
              count[0]++;
              return FileVisitResult.CONTINUE;
            }
            log.debug("snapshot of {}: skipped special file {}", repository, f);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
            throw e instanceof AccessDeniedException ? new IOException("cannot read " + f + ": access denied", e) : e;
          }
        });
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        try {
          Sandbox.deleteTree(tmp);
        } catch (IOException cleanup) {
          e.addSuppressed(cleanup);
        }
        throw new SandboxUnavailableException("cannot snapshot repository " + repository + ": " + e, e);
      }
      log.info("snapshot of repository {}: {} files, {} bytes in {} ms", repository, count[0], count[1],
          (System.nanoTime() - t0) / 1_000_000);
    }
  }

  /** The nine permission bits of {@code from}; set-uid, set-gid and sticky bits are not copied. */
  private static Set<PosixFilePermission> permissions(Path from) throws IOException {
    return Files.getPosixFilePermissions(from, LinkOption.NOFOLLOW_LINKS);
  }
}
