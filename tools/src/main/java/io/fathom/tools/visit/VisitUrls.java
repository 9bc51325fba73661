package io.fathom.tools.visit;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Checks the URLs visit may fetch, the model's and those redirects lead to: absolute http or https
 * URLs with a host, no user name or password, at most {@value #MAX_CHARS} characters. The network
 * is not touched here: the host's addresses are checked by {@link AddressGuard}.
 */
final class VisitUrls {

  static final int MAX_CHARS = 2048;

  private VisitUrls() {}

  /** The model's {@code url} argument, checked, without its fragment. */
  static URI parse(String raw) {
    String text = raw.strip();
    if (text.length() > MAX_CHARS) {
      throw new VisitException(
          "url_too_long", "url is %,d characters long; the limit is %,d".formatted(text.length(), MAX_CHARS));
    }
    URI uri;
    try {
      uri = new URI(text.replace(" ", "%20"));
    } catch (URISyntaxException e) {
      throw new VisitException("invalid_url", "url is not a valid URL: " + e.getMessage());
    }
    return check(uri, "url");
  }

  /** Where a redirect from {@code from} with this {@code Location} leads, checked like {@link #parse}. */
  static URI redirect(URI from, String location) {
    URI target;
    try {
      target = from.resolve(new URI(location.strip().replace(" ", "%20")));
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new VisitException("invalid_redirect", from + " redirected to an invalid URL: " + location);
    }
    String where = "the redirect from " + from + " to " + target;
    if (target.toString().length() > MAX_CHARS) {
      throw new VisitException(
          "url_too_long",
          "%s: the target is %,d characters long; the limit is %,d".formatted(where, target.toString().length(), MAX_CHARS));
    }
    return check(target, where);
  }

  private static URI check(URI uri, String what) {
    if (uri.getScheme() == null) {
      throw new VisitException(
          "invalid_url", what + " must be an absolute http or https URL, such as https://example.com/page");
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new VisitException("unsupported_scheme", what + " must use http or https, not '" + scheme + "'");
    }
    if (uri.getRawUserInfo() != null) {
      throw new VisitException(
          "credentials_in_url", what + " must not contain a user name or password (user@host)");
    }
    if (uri.getHost() == null || uri.getHost().isBlank()) {
      throw new VisitException("invalid_url", what + " has no valid host");
    }
    String text = uri.toString();
    int hash = text.indexOf('#');
    return hash < 0 ? uri : URI.create(text.substring(0, hash));
  }
}
