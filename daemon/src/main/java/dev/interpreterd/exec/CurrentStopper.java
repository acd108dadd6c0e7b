package dev.interpreterd.exec;

import dev.interpreterd.os.Signal;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What an execution's {@link Escalation} stops: the stopper of the worker the execution is on now,
 * and nothing between workers.
 */
final class CurrentStopper implements Stoppable {

    private final AtomicReference<Stoppable> current = new AtomicReference<>(Stoppable.NONE);

    /** The execution moved to a worker: stop this one from now on. */
    void set(Stoppable stopper) {
        current.set(stopper);
    }

    /** The execution left its worker: nothing to stop until the next. */
    void clear() {
        current.set(Stoppable.NONE);
    }

    @Override
    public void signalCode(Signal signal) {
        current.get().signalCode(signal);
    }

    @Override
    public void killSupervisor() {
        current.get().killSupervisor();
    }
}
