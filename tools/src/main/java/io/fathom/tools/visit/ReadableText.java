package io.fathom.tools.visit;

/**
 * What a visited document says, ready to be paged.
 *
 * @param title may be {@code null}
 * @param source the URL (after redirects) or corpus id it came from
 * @param text readable text, lines separated by {@code \n}
 * @param note a remark for the model, e.g. that the body was cut off; may be {@code null}
 */
record ReadableText(String title, String source, String text, String note) {}
