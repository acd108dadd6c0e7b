package dev.interpreterd.user;

import dev.interpreterd.exec.RunnerScript;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.zeroturnaround.exec.ProcessExecutor;
import org.zeroturnaround.exec.ProcessResult;

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
        ProcessResult result;
        try {
            result = new ProcessExecutor(python.toString(), runner.script().toString(), "--probe-user",
                    String.valueOf(user.uid()), String.valueOf(user.gid()), workDir.toString())
                    .directory(runner.directory().toFile())
                    .readOutput(true)
                    .redirectErrorStream(true)
                    .exitValueAny()
                    .timeout(30, TimeUnit.SECONDS)
                    .execute();
        } catch (TimeoutException e) {
            throw new IOException("checking that user " + user + " can run the code took over 30 seconds", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while checking that user " + user + " can run the code", e);
        }
        if (result.getExitValue() != 0) {
            throw new IOException("the code would run as user " + user + ", who cannot use what it needs: "
                    + String.join(" ", result.getOutput().getLinesAsUTF8()).strip()
                    + "; pass a --python that every user may read (such as /usr/bin/python3),"
                    + " a --work-dir that user may enter, or another --user");
        }
    }
}
