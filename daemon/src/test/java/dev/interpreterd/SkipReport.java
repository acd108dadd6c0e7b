package dev.interpreterd;

import java.util.Optional;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Prints one line for every skipped test or class, with the reason ({@link Requires} names what is
 * missing), since the build's own summary only counts skips. Registered through
 * {@code META-INF/services}, so it hears every test the build runs.
 */
public final class SkipReport implements TestExecutionListener {

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        print(test, reason);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            print(test, result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
        }
    }

    private static void print(TestIdentifier test, String reason) {
        System.out.println("SKIPPED " + name(test) + ": " + reason.replaceFirst("^Assumption failed: ", ""));
    }

    /** {@code Class.method} for a test, {@code Class} for a class, the display name otherwise. */
    private static String name(TestIdentifier test) {
        Optional<String> name = test.getSource().map(source -> {
            if (source instanceof MethodSource method) {
                return simpleName(method.getClassName()) + "." + method.getMethodName();
            }
            if (source instanceof ClassSource type) {
                return simpleName(type.getClassName());
            }
            return null;
        });
        return name.orElse(test.getDisplayName());
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }
}
