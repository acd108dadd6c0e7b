package dev.interpreterd.os;

import java.util.Arrays;
import java.util.Optional;

/** The Linux signals interpreterd sends or reports, with their numbers on x86-64 and arm64. */
public enum Signal {
    SIGHUP(1), SIGINT(2), SIGQUIT(3), SIGILL(4), SIGTRAP(5), SIGABRT(6), SIGBUS(7), SIGFPE(8),
    SIGKILL(9), SIGUSR1(10), SIGSEGV(11), SIGUSR2(12), SIGPIPE(13), SIGALRM(14), SIGTERM(15),
    SIGSTKFLT(16), SIGCHLD(17), SIGCONT(18), SIGSTOP(19), SIGTSTP(20), SIGTTIN(21), SIGTTOU(22),
    SIGURG(23), SIGXCPU(24), SIGXFSZ(25), SIGVTALRM(26), SIGPROF(27), SIGWINCH(28), SIGIO(29),
    SIGPWR(30), SIGSYS(31);

    private final int number;

    Signal(int number) {
        this.number = number;
    }

    /** The signal's number as the kernel knows it. */
    public int number() {
        return number;
    }

    /** The signal with this number, if it is one of the standard ones. */
    public static Optional<Signal> of(int number) {
        return Arrays.stream(values()).filter(s -> s.number == number).findFirst();
    }

    /** The signal's name, or {@code SIG<number>} for a real-time or unknown signal. */
    public static String nameOf(int number) {
        return of(number).map(Enum::name).orElse("SIG" + number);
    }
}
