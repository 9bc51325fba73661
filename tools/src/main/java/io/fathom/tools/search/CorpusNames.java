package io.fathom.tools.search;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Tenant and corpus names, and the directories they stand for. A name is {@code
 * [A-Za-z0-9_.-]{1,64}} and not made of dots only, so it is always one path segment that stays
 * under the store's root; the resolved path is checked to be under the root all the same.
 */
public final class CorpusNames {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  private CorpusNames() {}

  /** Whether {@code name} is a valid tenant or corpus name. */
  public static boolean valid(String name) {
    return name != null && NAME.matcher(name).matches() && !name.chars().allMatch(c -> c == '.');
  }

  /** {@code name}, or a {@link SearchException} ({@code invalid_name}) saying what a name may be. */
  static String require(String what, String name) {
    if (!valid(name)) {
      throw new SearchException(
          "invalid_name",
          what + " name " + (name == null ? "null" : "'" + abbreviate(name) + "'")
              + " is not valid: 1 to 64 characters of A-Z, a-z, 0-9, '_', '.' and '-', not only dots");
    }
    return name;
  }

  /** The directory of the tenant's corpora under {@code root}; refuses names and symbolic links that leave it. */
  static Path tenantDirectory(Path root, String tenant) {
    return under(root, root.resolve(require("tenant", tenant)));
  }

  /** The directory of one corpus under {@code root}. */
  static Path corpusDirectory(Path root, String tenant, String corpus) {
    return under(root, tenantDirectory(root, tenant).resolve(require("corpus", corpus)));
  }

  private static Path under(Path root, Path path) {
    Path normal = path.normalize();
    if (!normal.startsWith(root) || normal.equals(root)) {
      throw new SearchException("invalid_name", "the name leads outside the corpus store");
    }
    if (Files.isSymbolicLink(normal) || (Files.exists(normal) && !Files.isDirectory(normal, LinkOption.NOFOLLOW_LINKS))) {
      throw new SearchException("invalid_name", "the corpus store holds something other than a directory at that name");
    }
    return normal;
  }

  private static String abbreviate(String name) {
    String shown = name.length() > 80 ? name.substring(0, 80) + "…" : name;
    return shown.replaceAll("\\p{Cntrl}", "?");
  }
}
