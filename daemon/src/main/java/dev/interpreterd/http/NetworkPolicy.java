package dev.interpreterd.http;

import java.util.Optional;

/**
 * Whether an execution gets the network. {@code --network false} is a policy that requests cannot
 * lift; asking for no network where the machine cannot make network namespaces is refused rather
 * than run with the network.
 *
 * @param allowed the daemon's {@code --network}
 * @param isolationAvailable whether this machine can give an execution a network namespace of its own
 */
record NetworkPolicy(boolean allowed, boolean isolationAvailable) {

    /** The network setting of a job, or a 400 naming the field. */
    boolean decide(Optional<Boolean> requested) {
        boolean network = requested.orElse(allowed);
        if (network && !allowed) {
            throw ApiException.invalid("field 'network' is true, but this daemon gives executions no network"
                    + " (--network false)");
        }
        if (!network && !isolationAvailable) {
            throw ApiException.invalid("field 'network' is false, but this machine cannot give the code a network"
                    + " namespace of its own (it needs root or unprivileged user namespaces); leave 'network' out"
                    + " to run with the network");
        }
        return network;
    }
}
