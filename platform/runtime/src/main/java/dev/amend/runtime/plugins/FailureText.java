package dev.amend.runtime.plugins;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/** One-line accounts of what went wrong in a plugin, for reasons shown to users and the log. */
final class FailureText {
    private FailureText() {
    }

    /** Returns a one-line account of {@code e} and its causes, with a hint for missing classes. */
    static String of(Throwable e) {
        StringBuilder b = new StringBuilder();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        boolean missingClass = false;
        for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
            if (!b.isEmpty()) {
                b.append("; caused by ");
            }
            b.append(t.getClass().getSimpleName());
            if (t.getMessage() != null) {
                b.append(": ").append(t.getMessage());
            }
            missingClass |= t instanceof NoClassDefFoundError || t instanceof ClassNotFoundException;
        }
        if (missingClass) {
            b.append(" (a class the plugin needs is neither in its jar nor in the SPI: bundle the plugin's own"
                    + " dependencies in its jar)");
        }
        return b.toString();
    }
}
