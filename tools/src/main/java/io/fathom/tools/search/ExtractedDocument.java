package io.fathom.tools.search;

/**
 * A document's title and readable text, as indexed.
 *
 * @param title its own title, else its file name
 * @param text lines separated by {@code \n}
 */
record ExtractedDocument(String title, String text) {}
