/**
 * The built-in {@code visit} tool: fetches a web page or PDF (or opens a corpus document) and shows
 * the model its readable text, a page at a time. Every address it connects to, redirects included,
 * is checked with the {@link io.fathom.tools.net.OutboundPolicy}.
 */
package io.fathom.tools.visit;
