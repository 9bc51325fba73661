package io.fathom.orchestrator.store;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Where PostgreSQL is. Parsed from {@code postgresql://user:password@host:port/database} (the
 * libpq form; {@code jdbc:} and {@code r2dbc:} prefixes are accepted too).
 */
public record DatabaseUrl(String host, int port, String database, String user, String password) {

  public static DatabaseUrl parse(String text) {
    String s = text.trim();
    for (String prefix : new String[] {"jdbc:", "r2dbc:"}) {
      if (s.startsWith(prefix)) {
        s = s.substring(prefix.length());
      }
    }
    if (s.startsWith("postgres://")) {
      s = "postgresql://" + s.substring("postgres://".length());
    }
    if (!s.startsWith("postgresql://")) {
      throw new IllegalArgumentException(
          "FATHOM_DB_URL must look like postgresql://user:password@host:5432/database");
    }
    URI uri;
    try {
      uri = new URI(s);
    } catch (URISyntaxException e) {
      // The message would quote the URL, password included.
      throw new IllegalArgumentException(
          "FATHOM_DB_URL is not a valid URL (percent-encode special characters in the password)");
    }
    String user = "postgres";
    String password = "";
    if (uri.getRawUserInfo() != null) {
      String[] parts = uri.getRawUserInfo().split(":", 2);
      user = decode(parts[0]);
      password = parts.length > 1 ? decode(parts[1]) : "";
    }
    String query = uri.getRawQuery();
    if (query != null) {
      for (String pair : query.split("&")) {
        String[] kv = pair.split("=", 2);
        if (kv.length == 2 && kv[0].equals("user")) {
          user = decode(kv[1]);
        } else if (kv.length == 2 && kv[0].equals("password")) {
          password = decode(kv[1]);
        }
      }
    }
    String path = uri.getPath() == null ? "" : uri.getPath();
    String database = path.length() > 1 ? path.substring(1) : "postgres";
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("FATHOM_DB_URL has no host");
    }
    return new DatabaseUrl(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 5432, database, user, password);
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  /** The URL without its password, for logs. */
  @Override
  public String toString() {
    return "postgresql://" + user + "@" + host + ":" + port + "/" + database;
  }

  private static String decode(String s) {
    // Percent-decoding only: '+' is a plus sign in a URL's user-info, not a space.
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
