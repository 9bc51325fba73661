package io.fathom.orchestrator.repos;

/**
 * One stored repository.
 *
 * @param name the repository's name
 * @param files its regular files (symbolic links and directories are not counted)
 * @param bytes the size of those files
 */
public record RepositoryInfo(String name, long files, long bytes) {}
