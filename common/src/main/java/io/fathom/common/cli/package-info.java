/**
 * Command lines of the standalone servers: options cut from the arguments ({@link
 * io.fathom.common.cli.CommandLine}) and their values read within bounds ({@link
 * io.fathom.common.cli.OptionValues}).
 */
package io.fathom.common.cli;
