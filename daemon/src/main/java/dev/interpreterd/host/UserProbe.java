package dev.interpreterd.host;

import dev.interpreterd.host.Probe;
import dev.interpreterd.host.RunnerScript;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Checks once, at start, that the code can run as its user: the runner switches to that user in a
 * throwaway process, exactly as it will for every execution, and checks that the user may run the
 * interpreter, read its standard library and enter the work directory.
 */
public final class UserProbe {

    private UserProbe() {
    }

    /**
     * Does nothing when the code runs as the daemon's own user.
     *
     * @throws IOException with a sentence saying what the user cannot do, and what to change
     */
    public static void check(Path python, RunnerScript runner, WorkerUser user, Path workDir) throws IOException {
        if (!user.switched()) {
            return;
        }
        Probe probe = Probe.run("checking that user " + user + " can run the code", Duration.ofSeconds(30),
                runner.directory(), List.of(python.toString(), runner.script().toString(), "--probe-user",
                        String.valueOf(user.uid()), String.valueOf(user.gid()), workDir.toString()));
        if (!probe.succeeded()) {
            throw new IOException("the code would run as user " + user + ", who cannot use what it needs: "
                    + probe.text()
                    + "; pass a --python that every user may read (such as /usr/bin/python3),"
                    + " a --work-dir that user may enter, or another --user");
        }
    }
}
