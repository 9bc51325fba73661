package io.fathom.tools.search;

/**
 * A corpus of a tenant.
 *
 * @param name its name, as in {@code corpus://name/id}
 * @param documents how many documents it holds
 */
public record CorpusInfo(String name, long documents) {}
