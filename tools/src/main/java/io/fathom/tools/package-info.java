/** The tool SPI: what a tool is, what a call knows, what it returns. */
package io.fathom.tools;
