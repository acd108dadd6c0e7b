package dev.interpreterd.exec.spawn;

import dev.interpreterd.exec.Worker;
import dev.interpreterd.exec.WorkerSource;
import dev.interpreterd.exec.cgroup.Cgroups;
import dev.interpreterd.exec.cgroup.ExecutionCgroup;
import dev.interpreterd.exec.control.Frame;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts workers whose code process already sits in a cgroup of its own: as each worker connects,
 * it is given its execution's cgroups and moves its waiting child into them. Under the warm pool
 * this happens ahead of need, off the path of a request.
 */
public final class CgroupWorkers implements WorkerSource<SpawnedWorker> {

    private static final Logger log = LoggerFactory.getLogger(CgroupWorkers.class);
    private final WorkerSource<SpawnedWorker> launcher;
    private final Cgroups cgroups;

    public CgroupWorkers(WorkerSource<SpawnedWorker> launcher, Cgroups cgroups) {
        this.launcher = launcher;
        this.cgroups = cgroups;
    }

    @Override
    public SpawnedWorker acquire() throws IOException, InterruptedException {
        SpawnedWorker worker = launcher.acquire();
        ExecutionCgroup cgroup;
        try {
            cgroup = cgroups.create();
        } catch (IOException e) {
            log.warn("no cgroup for a worker ({}); the subreaper alone cleans up after it", e.toString());
            return worker;
        }
        try {
            worker.awaitConnection(Worker.STARTUP_TIMEOUT).send(new Frame.JoinCgroups(cgroup.procsFiles()));
        } catch (IOException | InterruptedException | RuntimeException e) {
            cgroup.close();
            worker.close();
            throw e;
        }
        return worker.withCgroup(cgroup);
    }

    @Override
    public void close() {
        launcher.close();
    }
}
