package dev.interpreterd.context;

/**
 * A context as the API shows it.
 *
 * @param id its id, which executions name as {@code contextId}
 * @param language always {@code python}
 * @param cwd the directory its interpreter started in
 * @param createdAt when it was made, in ISO 8601 (UTC)
 * @param lastUsedAt when an execution in it last ended, or when it was made, in ISO 8601 (UTC)
 * @param active true while it lives, which is while it can be listed
 * @param executions how many executions ran in it
 * @param queued how many executions wait for their turn in it now
 */
public record ContextInfo(String id, String language, String cwd, String createdAt, String lastUsedAt,
                          boolean active, long executions, int queued) {
}
