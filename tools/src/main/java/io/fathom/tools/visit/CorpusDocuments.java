package io.fathom.tools.visit;

import java.util.Optional;
import reactor.core.publisher.Mono;

/** Opens {@code corpus://} documents for {@link VisitTool}. Implementations must not block. */
public interface CorpusDocuments {

  /** The tenant's document with this {@code corpus://} id, or empty when there is none. */
  Mono<Optional<CorpusDocument>> open(String tenant, String uri);
}
