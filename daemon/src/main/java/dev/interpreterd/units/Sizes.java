package dev.interpreterd.units;

import java.util.List;

/** Byte sizes as people write them: {@code 1048576}, {@code 1MiB}, {@code 2GiB}. */
public final class Sizes {

    private static final List<String> UNITS = List.of("GiB", "MiB", "KiB");

    private Sizes() {
    }

    /**
     * A whole number of bytes, optionally with a binary suffix.
     *
     * @throws NumberFormatException if the text is not such a size or the size overflows a long
     */
    public static long parse(String text) {
        String number = text.trim();
        long unit = 1;
        for (int i = 0; i < UNITS.size(); i++) {
            String suffix = UNITS.get(i);
            if (number.endsWith(suffix)) {
                unit = 1L << (10 * (UNITS.size() - i));
                number = number.substring(0, number.length() - suffix.length()).trim();
                break;
            }
        }
        try {
            return Math.multiplyExact(Long.parseLong(number), unit);
        } catch (ArithmeticException e) {
            throw new NumberFormatException(text + " is too large");
        }
    }

    /** The size with the largest suffix that divides it exactly: {@code 2GiB}, {@code 1536KiB}, {@code 100}. */
    public static String format(long bytes) {
        for (int i = 0; i < UNITS.size(); i++) {
            long unit = 1L << (10 * (UNITS.size() - i));
            if (bytes != 0 && bytes % unit == 0) {
                return bytes / unit + UNITS.get(i);
            }
        }
        return Long.toString(bytes);
    }
}
