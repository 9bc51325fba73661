package io.fathom.tools.visit;

/**
 * A document of the tenant's corpus, as {@link VisitTool} shows it.
 *
 * @param uri its {@code corpus://} id
 * @param title may be {@code null}
 * @param text its readable text
 */
public record CorpusDocument(String uri, String title, String text) {}
