package io.fathom.tools.search;

/**
 * One query for a {@link SearchBackend}.
 *
 * @param tenant whose corpora to search (web backends ignore it)
 * @param query the user's text, at most 500 characters
 * @param corpus the corpus to search, or {@code null} for all the tenant's (web backends ignore it)
 * @param topK how many hits at most, 1 to 20
 */
public record SearchRequest(String tenant, String query, String corpus, int topK) {}
