package io.seedstream.segmentation.config;

/**
 * An interval written as {@code "[0, 1)"}: square brackets include their bound, round ones exclude
 * it, and an empty bound is unbounded ({@code "(0, )"} is every positive number).
 */
record AllowedRange(Double lower, boolean lowerIncluded, Double upper, boolean upperIncluded, String text) {

    static AllowedRange parse(String text) {
        String t = text.trim();
        String[] bounds =
                t.length() < 3 ? new String[0] : t.substring(1, t.length() - 1).split(",", -1);
        if (bounds.length != 2 || "[(".indexOf(t.charAt(0)) < 0 || "])".indexOf(t.charAt(t.length() - 1)) < 0) {
            throw new IllegalArgumentException("not an interval like [0, 1) or (0, ): " + text);
        }
        return new AllowedRange(
                bound(bounds[0]), t.charAt(0) == '[', bound(bounds[1]), t.charAt(t.length() - 1) == ']', t);
    }

    private static Double bound(String text) {
        return text.isBlank() ? null : Double.valueOf(text.trim());
    }

    boolean contains(double value) {
        boolean aboveLower = lower == null || (lowerIncluded ? value >= lower : value > lower);
        boolean belowUpper = upper == null || (upperIncluded ? value <= upper : value < upper);
        return aboveLower && belowUpper;
    }

    /** "in [0, 1)", ">= 1", "> 0" or "<= 8", as an error message or the settings' listing says it. */
    String describe() {
        if (lower != null && upper != null) {
            return "in " + text;
        }
        if (lower != null) {
            return (lowerIncluded ? ">= " : "> ") + number(lower);
        }
        return upper == null ? "any number" : (upperIncluded ? "<= " : "< ") + number(upper);
    }

    private static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15
                ? Long.toString((long) value)
                : Double.toString(value);
    }
}
