package io.fathom.orchestrator.repos;

import io.fathom.tools.files.FileTrees;
import io.fathom.orchestrator.config.FathomProperties;
import io.fathom.orchestrator.config.RepositoryProperties;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarUtils;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The repositories SWE-style jobs start from: a job naming one works in a copy-on-write sandbox over its
 * directory, {@code root/<tenant>/<name>}. Tenant and repository names are {@code [A-Za-z0-9_.-]{1,64}}, not
 * made of dots only, so each is one path segment under the root.
 *
 * <p>A repository comes in as a tar, tar.gz or zip archive, told apart by its first bytes. It is extracted into
 * a staging directory beside the repository and renamed into place, so a reader sees the old tree or the new
 * one, never half of one (while a repository is replaced there is an instant between the two renames when it is
 * not there at all); the old tree is deleted after. Extraction is strict, and any refusal fails the whole upload
 * with an {@link IllegalArgumentException} naming the entry, leaving nothing behind:
 *
 * <ul>
 *   <li>absolute paths, {@code ..} segments, and paths through a symbolic link or a file are refused;
 *   <li>a symbolic link is kept when it resolves inside the repository (following the repository's other links),
 *       refused otherwise; hard links, devices and pipes are passed over;
 *   <li>a single top-level directory that holds everything (as {@code git archive --prefix} and GitHub's
 *       tarballs make) is stripped;
 *   <li>the {@link RepositoryLimits} hold while the archive streams;
 *   <li>files get mode 0755 when the archive gave them an executable bit, else 0644; directories 0755.
 * </ul>
 *
 * <p>Staging and outgoing trees are named {@code <name>~...}; {@code ~} is never part of a name, so they are
 * neither listed nor found. Every method does its file work on {@link Schedulers#boundedElastic()}.
 */
@Component
public class RepositoryStore {

  /** An upload's outcome: the repository, and whether it replaced one of the same name. */
  public record Stored(RepositoryInfo info, boolean replaced) {}

  private static final Logger log = LoggerFactory.getLogger(RepositoryStore.class);

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final int MAX_PATH_CHARS = 4096;
  private static final int MAX_SEGMENT_BYTES = 255;
  private static final int MAX_LINK_CHARS = 4096;
  private static final int MAX_LINK_HOPS = 40;
  private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-r--r--");
  private static final Set<PosixFilePermission> EXEC_MODE = PosixFilePermissions.fromString("rwxr-xr-x");
  private static final Set<PosixFilePermission> DIR_MODE = EXEC_MODE;

  private final Path root;
  private final RepositoryLimits limits;

  /** The store of the service: {@code FATHOM_REPOS_DIR}, or {@code <data dir>/repos}, with the default limits. */
  @Autowired
  public RepositoryStore(FathomProperties properties, RepositoryProperties repos) {
    this(repos.root(properties.dataDir()), new RepositoryLimits());
  }

  public RepositoryStore(Path root, RepositoryLimits limits) {
    this.root = root.toAbsolutePath().normalize();
    this.limits = limits;
  }

  /** The directory all repositories are under. */
  public Path root() {
    return root;
  }

  /** The repository's directory, or a {@link RepositoryNotFoundException}. */
  public Mono<Path> find(String tenant, String name) {
    return blocking(() -> {
      Path target = repository(tenant, name);
      if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        throw new RepositoryNotFoundException(name);
      }
      return target;
    });
  }

  /** The repository's name, files and bytes (it walks the tree), or a {@link RepositoryNotFoundException}. */
  public Mono<RepositoryInfo> info(String tenant, String name) {
    return find(tenant, name).flatMap(dir -> blocking(() -> measure(name, dir)));
  }

  /**
   * Creates or replaces the repository from a tar, tar.gz or zip file; an archive that cannot be read or breaks a
   * rule or limit is an {@link IllegalArgumentException} saying why.
   */
  public Mono<RepositoryInfo> put(String tenant, String name, Path archive) {
    return store(tenant, name, archive).map(Stored::info);
  }

  /** Like {@link #put}, telling whether a repository of that name was replaced. */
  public Mono<Stored> store(String tenant, String name, Path archive) {
    return blocking(() -> storeNow(tenant, name, archive));
  }

  /** The tenant's repositories, by name (each one's tree is walked). */
  public Mono<List<RepositoryInfo>> list(String tenant) {
    return blocking(() -> {
      Path tenantDir = tenantDirectory(tenant);
      if (!Files.isDirectory(tenantDir, LinkOption.NOFOLLOW_LINKS)) {
        return List.of();
      }
      List<RepositoryInfo> out = new ArrayList<>();
      try (DirectoryStream<Path> all = Files.newDirectoryStream(tenantDir)) {
        for (Path dir : all) {
          String name = dir.getFileName().toString();
          if (valid(name) && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            try {
              out.add(measure(name, dir));
            } catch (NoSuchFileException gone) {
              // deleted or replaced meanwhile
            }
          }
        }
      }
      out.sort(Comparator.comparing(RepositoryInfo::name));
      return List.copyOf(out);
    });
  }

  /** Deletes the repository; emits false when there was none. */
  public Mono<Boolean> delete(String tenant, String name) {
    return blocking(() -> {
      Path target = repository(tenant, name);
      if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        return false;
      }
      Path outgoing = target.resolveSibling(name + "~del-" + UUID.randomUUID());
      try {
        Files.move(target, outgoing, StandardCopyOption.ATOMIC_MOVE);
      } catch (NoSuchFileException gone) {
        return false;
      }
      deleteQuietly(outgoing);
      return true;
    });
  }

  private Stored storeNow(String tenant, String name, Path archive) throws IOException {
    Path target = repository(tenant, name);
    Path tenantDir = target.getParent();
    Files.createDirectories(tenantDir);
    Path staging = tenantDir.resolve(name + "~put-" + UUID.randomUUID());
    Files.createDirectory(staging);
    try {
      Path tree = staging.resolve("tree");
      Files.createDirectory(tree);
      Files.setPosixFilePermissions(tree, DIR_MODE);
      Extraction extraction = new Extraction(tree);
      extraction.extract(archive);
      Path top = topDirectory(tree);
      extraction.checkLinks(top);
      RepositoryInfo info = measure(name, top);
      boolean replaced = install(top, target);
      log.info("repository {}/{} {}: {} files, {} bytes", tenant, name, replaced ? "replaced" : "created", info.files(),
          info.bytes());
      return new Stored(info, replaced);
    } finally {
      deleteQuietly(staging);
    }
  }

  /** Renames {@code tree} to {@code target}, moving a repository there away first; tells whether there was one. */
  private static boolean install(Path tree, Path target) throws IOException {
    boolean replaced = false;
    List<Path> outgoing = new ArrayList<>();
    try {
      for (int attempt = 0; ; attempt++) {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
          Path old = target.resolveSibling(target.getFileName() + "~old-" + UUID.randomUUID());
          try {
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            outgoing.add(old);
            replaced = true;
          } catch (NoSuchFileException gone) {
            // another replica's delete or replacement took it
          }
        }
        try {
          Files.move(tree, target, StandardCopyOption.ATOMIC_MOVE);
          return replaced;
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
          if (attempt >= 8) {
            throw raced;
          }
        }
      }
    } finally {
      outgoing.forEach(RepositoryStore::deleteQuietly);
    }
  }

  /** The single directory {@code tree} holds, when it holds nothing else, to be stripped; else {@code tree}. */
  private static Path topDirectory(Path tree) throws IOException {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> all = Files.newDirectoryStream(tree)) {
      for (Path child : all) {
        children.add(child);
        if (children.size() > 1) {
          return tree;
        }
      }
    }
    return children.size() == 1 && Files.isDirectory(children.get(0), LinkOption.NOFOLLOW_LINKS) ? children.get(0) : tree;
  }

  private static RepositoryInfo measure(String name, Path dir) throws IOException {
    long[] counts = new long[2];
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
        if (attributes.isRegularFile()) {
          counts[0]++;
          counts[1] += attributes.size();
        }
        return FileVisitResult.CONTINUE;
      }
    });
    return new RepositoryInfo(name, counts[0], counts[1]);
  }

  private Path tenantDirectory(String tenant) {
    return under(root.resolve(require("tenant", tenant)));
  }

  private Path repository(String tenant, String name) {
    return under(tenantDirectory(tenant).resolve(require("repository", name)));
  }

  private Path under(Path path) {
    Path normal = path.normalize();
    if (!normal.startsWith(root) || normal.equals(root)) {
      throw new IllegalArgumentException("the name leads outside the repository store");
    }
    return normal;
  }

  /** Whether {@code name} is a valid tenant or repository name. */
  public static boolean valid(String name) {
    return name != null && NAME.matcher(name).matches() && !name.chars().allMatch(c -> c == '.');
  }

  private static String require(String what, String name) {
    if (!valid(name)) {
      throw new IllegalArgumentException(what + " name " + (name == null ? "null" : "'" + shown(name) + "'")
          + " is not valid: 1 to 64 characters of A-Z, a-z, 0-9, '_', '.' and '-', not only dots");
    }
    return name;
  }

  /** A name as messages show it: at most 200 characters, control characters as {@code ?}. */
  private static String shown(String name) {
    String cut = name.length() > 200 ? name.substring(0, 200) + "…" : name;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }

  private static IllegalArgumentException refused(String message) {
    return new IllegalArgumentException(message);
  }

  /** Deletes a tree without following its links; a failure is logged, not thrown. */
  private static void deleteQuietly(Path path) {
    try {
      FileTrees.deleteTree(path);
    } catch (IOException e) {
      log.warn("could not delete {}: {}", path, e.toString());
    }
  }

  private static <T> Mono<T> blocking(java.util.concurrent.Callable<T> work) {
    return Mono.fromCallable(work).subscribeOn(Schedulers.boundedElastic());
  }

  /** One archive extracted into {@code tree}, counted against the limits as it streams. Blocking. */
  private final class Extraction {

    /** A symbolic link made, and the archive entry it came from. */
    private record Link(Path path, String entry) {}

    private final Path tree;
    private final List<Link> links = new ArrayList<>();
    private final byte[] buffer = new byte[64 * 1024];
    private long entries;
    private long bytes;

    Extraction(Path tree) {
      this.tree = tree;
    }

    void extract(Path archive) throws IOException {
      byte[] magic = new byte[4];
      int n;
      try (InputStream in = Files.newInputStream(archive)) {
        n = in.readNBytes(magic, 0, magic.length);
      }
      if (n == 0) {
        throw refused("the upload is empty: not a tar, tar.gz or zip archive");
      }
      if (n >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
        InputStream gzip;
        InputStream raw = Files.newInputStream(archive);
        try {
          gzip = GzipCompressorInputStream.builder().setInputStream(raw).setDecompressConcatenated(true).get();
        } catch (IOException | RuntimeException e) {
          raw.close();
          throw refused("unreadable gzip: " + e.getMessage());
        }
        tar(gzip, true);
      } else if (n == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4) {
        zip(archive);
      } else {
        tar(Files.newInputStream(archive), false);
      }
    }

    private void tar(InputStream raw, boolean gzip) throws IOException {
      String kind = gzip ? "tar.gz" : "tar";
      try (InputStream in = new BufferedInputStream(raw, buffer.length)) {
        byte[] header = new byte[512];
        in.mark(header.length);
        int n;
        try {
          n = in.readNBytes(header, 0, header.length);
        } catch (IOException e) {
          throw refused("unreadable " + kind + ": " + e.getMessage());
        }
        in.reset();
        if (!looksLikeTar(header, n)) {
          throw refused(gzip
              ? "a gzip file that does not hold a tar archive"
              : "not a tar, tar.gz or zip archive (its first bytes are none of theirs)");
        }
        TarArchiveInputStream tar = new TarArchiveInputStream(in);
        while (true) {
          TarArchiveEntry entry;
          try {
            entry = tar.getNextEntry();
          } catch (IOException | RuntimeException e) {
            throw refused("unreadable " + kind + " after " + entries + " entries: " + e.getMessage());
          }
          if (entry == null) {
            return;
          }
          count();
          String name = entry.getName();
          if (entry.isSymbolicLink()) {
            link(name, entry.getLinkName());
          } else if (entry.isLink() || entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
            skip(name, entry.getSize());
          } else if (entry.isDirectory()) {
            directory(name);
          } else if (regular(entry.getLinkFlag())) {
            if (entry.getSize() > limits.maxEntryBytes()) {
              throw refused("entry '" + shown(name) + "' is larger than " + limits.maxEntryBytes() + " bytes");
            }
            file(name, tar, (entry.getMode() & 0111) != 0);
          } else {
            skip(name, entry.getSize());
          }
        }
      }
    }

    private static boolean looksLikeTar(byte[] header, int n) {
      if (n < header.length) {
        return false;
      }
      try {
        if (TarArchiveInputStream.matches(header, n) || TarUtils.verifyCheckSum(header)) {
          return true;
        }
      } catch (RuntimeException notOctal) {
        return false;
      }
      for (byte b : header) {
        if (b != 0) {
          return false;
        }
      }
      return true; // an empty tar: its end-of-archive blocks only
    }

    private static boolean regular(byte flag) {
      return flag == 0 || flag == '0' || flag == '7';
    }

    private void zip(Path archive) throws IOException {
      long declared = FileTrees.declaredZipEntries(archive);
      if (declared > limits.maxEntries()) {
        throw refused("the zip declares " + declared + " entries, more than " + limits.maxEntries());
      }
      ZipFile zip;
      try {
        zip = ZipFile.builder().setPath(archive).setUseUnicodeExtraFields(true).get();
      } catch (IOException | RuntimeException e) {
        throw refused("unreadable zip: " + e.getMessage());
      }
      try (zip) {
        for (Enumeration<ZipArchiveEntry> all = zip.getEntriesInPhysicalOrder(); all.hasMoreElements(); ) {
          ZipArchiveEntry entry = all.nextElement();
          count();
          String name = entry.getName();
          int type = entry.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX ? entry.getUnixMode() & 0170000 : 0;
          if (entry.isUnixSymlink()) {
            link(name, zipLinkTarget(zip, entry));
          } else if (entry.isDirectory() || type == 0040000) {
            directory(name);
          } else if (type != 0 && type != 0100000) {
            skip(name, 0);
          } else if (!zip.canReadEntryData(entry)) {
            throw refused("entry '" + shown(name) + "' is encrypted or compressed with an unsupported method");
          } else {
            InputStream data;
            try {
              data = zip.getInputStream(entry);
            } catch (IOException | RuntimeException e) {
              throw refused("unreadable entry '" + shown(name) + "': " + e.getMessage());
            }
            try (data) {
              boolean exec = entry.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX && (entry.getUnixMode() & 0111) != 0;
              file(name, data, exec);
            }
          }
        }
      }
    }

    private static String zipLinkTarget(ZipFile zip, ZipArchiveEntry entry) {
      try (InputStream in = zip.getInputStream(entry)) {
        byte[] target = in.readNBytes(MAX_LINK_CHARS + 1);
        if (target.length > MAX_LINK_CHARS) {
          throw refused("symbolic link '" + shown(entry.getName()) + "' has a target longer than " + MAX_LINK_CHARS
              + " bytes");
        }
        return new String(target, StandardCharsets.UTF_8);
      } catch (IOException | RuntimeException e) {
        if (e instanceof IllegalArgumentException refusal) {
          throw refusal;
        }
        throw refused("unreadable entry '" + shown(entry.getName()) + "': " + e.getMessage());
      }
    }

    private void count() {
      if (++entries > limits.maxEntries()) {
        throw refused("the archive has more than " + limits.maxEntries() + " entries");
      }
    }

    /** An entry passed over (a hard link, device, pipe or unknown type); what it declares is still counted. */
    private void skip(String name, long size) {
      entryPath(name); // a bad path is refused all the same
      add(name, Math.max(0, size), Math.max(0, size));
    }

    private void add(String name, long entryBytes, long more) {
      if (entryBytes > limits.maxEntryBytes()) {
        throw refused("entry '" + shown(name) + "' is larger than " + limits.maxEntryBytes() + " bytes");
      }
      bytes += more;
      if (bytes > limits.maxBytes()) {
        throw refused("the archive expands to more than " + limits.maxBytes() + " bytes");
      }
    }

    private void directory(String name) throws IOException {
      Path path = entryPath(name);
      if (path != null) {
        parents(path, name);
        directoryAt(path, name);
      }
    }

    private void file(String name, InputStream data, boolean exec) throws IOException {
      Path path = entryPath(name);
      if (path == null) {
        throw refused("entry '" + shown(name) + "' is a file without a name");
      }
      parents(path, name);
      clear(path, name);
      long written = 0;
      try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        while (true) {
          int n;
          try {
            n = data.read(buffer);
          } catch (IOException e) {
            throw refused("unreadable entry '" + shown(name) + "': " + e.getMessage());
          }
          if (n < 0) {
            break;
          }
          written += n;
          add(name, written, n);
          out.write(buffer, 0, n);
        }
      }
      Files.setPosixFilePermissions(path, exec ? EXEC_MODE : FILE_MODE);
    }

    private void link(String name, String target) throws IOException {
      Path path = entryPath(name);
      if (path == null) {
        throw refused("entry '" + shown(name) + "' is a symbolic link without a name");
      }
      if (target == null || target.isEmpty()) {
        throw refused("symbolic link '" + shown(name) + "' has no target");
      }
      if (target.length() > MAX_LINK_CHARS || target.indexOf('\0') >= 0) {
        throw refused("symbolic link '" + shown(name) + "' has a target that is too long or holds a NUL");
      }
      if (target.startsWith("/") || target.startsWith("\\")) {
        throw refused("symbolic link '" + shown(name) + "' points to an absolute path ('" + shown(target) + "')");
      }
      if (!path.getParent().resolve(target).normalize().startsWith(tree)) {
        throw refused("symbolic link '" + shown(name) + "' points outside the repository ('" + shown(target) + "')");
      }
      parents(path, name);
      clear(path, name);
      Files.createSymbolicLink(path, Path.of(target));
      links.add(new Link(path, name));
    }

    /**
     * The entry's path under {@code tree}, or {@code null} for the tree itself ({@code ./}); refuses absolute
     * paths, {@code ..} and paths that would leave the tree.
     */
    private Path entryPath(String name) {
      if (name == null || name.isEmpty()) {
        throw refused("an entry has an empty path");
      }
      if (name.length() > MAX_PATH_CHARS || name.indexOf('\0') >= 0) {
        throw refused("entry '" + shown(name) + "' has a path that is too long or holds a NUL");
      }
      if (name.startsWith("/") || name.startsWith("\\") || name.matches("^[A-Za-z]:[/\\\\].*")) {
        throw refused("entry '" + shown(name) + "' has an absolute path");
      }
      List<String> segments = new ArrayList<>();
      for (String segment : name.split("/")) {
        if (segment.isEmpty() || segment.equals(".")) {
          continue;
        }
        if (segment.equals("..")) {
          throw refused("entry '" + shown(name) + "' has '..' in its path");
        }
        if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
          throw refused("entry '" + shown(name) + "' has a path segment longer than " + MAX_SEGMENT_BYTES + " bytes");
        }
        segments.add(segment);
      }
      if (segments.isEmpty()) {
        return null;
      }
      Path path = tree.resolve(String.join("/", segments)).normalize();
      if (!path.startsWith(tree) || path.equals(tree)) {
        throw refused("entry '" + shown(name) + "' resolves outside the repository");
      }
      return path;
    }

    /** Makes the directories above {@code path}; refuses to go through a symbolic link or a file. */
    private void parents(Path path, String name) throws IOException {
      Path at = tree;
      for (Path segment : tree.relativize(path.getParent())) {
        if (segment.toString().isEmpty()) {
          continue;
        }
        at = at.resolve(segment);
        directoryAt(at, name);
      }
    }

    private void directoryAt(Path dir, String name) throws IOException {
      BasicFileAttributes attributes;
      try {
        attributes = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException missing) {
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, DIR_MODE);
        return;
      }
      if (attributes.isSymbolicLink()) {
        throw refused("entry '" + shown(name) + "' goes through the symbolic link '" + tree.relativize(dir) + "'");
      }
      if (!attributes.isDirectory()) {
        throw refused("entry '" + shown(name) + "' needs '" + tree.relativize(dir) + "' to be a directory, but it is a file");
      }
    }

    /** Removes what an earlier entry of the same path made (the later one wins, as tar has it), but no directory. */
    private void clear(Path path, String name) throws IOException {
      BasicFileAttributes attributes;
      try {
        attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException missing) {
        return;
      }
      if (attributes.isDirectory()) {
        throw refused("entry '" + shown(name) + "' would replace a directory");
      }
      Files.delete(path);
    }

    /** Refuses a link that does not resolve inside {@code top} (the repository once a common prefix is stripped). */
    void checkLinks(Path top) throws IOException {
      for (Link link : links) {
        if (Files.isSymbolicLink(link.path()) && !confined(top, link.path())) {
          throw refused("symbolic link '" + shown(link.entry()) + "' points outside the repository ('"
              + shown(Files.readSymbolicLink(link.path()).toString()) + "')");
        }
      }
    }

    /**
     * Whether the link resolves inside {@code base}: its target is walked segment by segment as the kernel would,
     * following the links it meets (at most {@link #MAX_LINK_HOPS}), and must never climb above {@code base}.
     */
    private static boolean confined(Path base, Path link) throws IOException {
      if (!link.startsWith(base)) {
        return false;
      }
      List<String> at = new ArrayList<>();
      for (Path segment : base.relativize(link.getParent())) {
        if (!segment.toString().isEmpty()) {
          at.add(segment.toString());
        }
      }
      Deque<String> pending = new ArrayDeque<>();
      push(pending, Files.readSymbolicLink(link).toString());
      int hops = 0;
      while (!pending.isEmpty()) {
        String segment = pending.pollFirst();
        if (segment.isEmpty() || segment.equals(".")) {
          continue;
        }
        if (segment.equals("..")) {
          if (at.isEmpty()) {
            return false;
          }
          at.removeLast();
          continue;
        }
        at.add(segment);
        Path here = base.resolve(String.join("/", at));
        if (Files.isSymbolicLink(here)) {
          String target = Files.readSymbolicLink(here).toString();
          if (++hops > MAX_LINK_HOPS || target.startsWith("/")) {
            return false;
          }
          at.removeLast();
          push(pending, target);
        }
      }
      return true;
    }

    private static void push(Deque<String> pending, String target) {
      String[] segments = target.split("/");
      for (int i = segments.length - 1; i >= 0; i--) {
        pending.addFirst(segments[i]);
      }
    }
  }
}
