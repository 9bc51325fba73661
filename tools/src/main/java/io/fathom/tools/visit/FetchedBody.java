package io.fathom.tools.visit;

import java.net.URI;
import java.nio.charset.Charset;

/**
 * A successful response, as far as it was read.
 *
 * @param url where it came from, after redirects
 * @param mediaType type/subtype in lower case, or {@code null} when the response had none
 * @param charset from the {@code Content-Type} header, or {@code null}
 * @param bytes the body, decompressed, at most {@link VisitSettings#maxBytes()}
 * @param truncated whether the body was longer and the rest was not read
 */
record FetchedBody(URI url, String mediaType, Charset charset, byte[] bytes, boolean truncated) {}
