package dev.interpreterd.exec;

import dev.interpreterd.exec.control.Frame;
import java.util.Map;
import java.util.Objects;

/**
 * One job as it goes to a runner.
 *
 * @param job the job
 * @param env the job's whole environment: the allow-listed variables and the request's envs
 * @param limits the job's limits, CPU time included, as the runner reads them
 * @param user the user the code runs as, as the runner reads it
 */
public record JobOrder(Job job, Map<String, String> env, Map<String, Long> limits, Map<String, Object> user) {

    /** Copies the maps and rejects a missing job. */
    public JobOrder {
        Objects.requireNonNull(job, "job");
        env = Map.copyOf(env);
        limits = Map.copyOf(limits);
        user = Map.copyOf(user);
    }

    /**
     * The frame that hands the job to a fresh child.
     *
     * @param stdout the named pipe the child opens as fd 1; null where the runner's own output is the code's
     * @param stderr the same for fd 2
     * @param warm for a box: whether the child it forks after this job should warm up while it waits;
     *             null: no opinion
     */
    public Frame.RunJob runJob(String stdout, String stderr, Boolean warm) {
        return new Frame.RunJob(job.code(), env, job.cwd().toString(), limits, job.network(), user,
                stdout, stderr, warm);
    }
}
