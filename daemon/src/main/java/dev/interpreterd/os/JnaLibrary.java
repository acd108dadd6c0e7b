package dev.interpreterd.os;

import com.sun.jna.Native;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where JNA's own native library came from. JNA unpacks it from its jar into a directory of the
 * daemon's user ({@code jna.tmpdir}, else {@code ~/.cache/JNA/temp}, else the temp root), loads it
 * from there and deletes the file; a library installed on the system is loaded where it lies.
 */
public final class JnaLibrary {

    /** The names JNA gives a library it unpacked: {@code jna<digits>.tmp}. */
    private static final String UNPACKED_PREFIX = "jna";

    private JnaLibrary() {
    }

    /** The library JNA unpacked and loaded, by the path it was loaded from; empty for an installed one. */
    public static Optional<Path> unpacked() {
        // Any call into Native loads the library, if nothing has yet, and JNA then records where from.
        Native.getLastError();
        String loaded = System.getProperty("jnidispatch.path");
        if (loaded == null) {
            return Optional.empty();
        }
        Path library = Path.of(loaded).toAbsolutePath().normalize();
        Path name = library.getFileName();
        return name != null && name.toString().startsWith(UNPACKED_PREFIX) ? Optional.of(library) : Optional.empty();
    }
}
