package dev.amend.kit;

import dev.amend.spi.edit.Edit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The metadata a method wrote into the edits of a history, for methods whose later edits read what earlier ones
 * recorded (AlphaEdit's keys, UltraEdit's normalisation moments): an edit of the method itself, or of a decorator
 * over it ({@code DECORATOR+method}), whose base edits' metadata is under {@code base_metadata} (one map for a
 * joint edit, a list of them for an edit made chunk by chunk).
 */
public final class MethodMetadata {
    private MethodMetadata() {
    }

    /** Returns the metadata {@code method} wrote into {@code e}: its own, its base's under a decorator, or none. */
    public static List<Map<?, ?>> of(Edit e, String method) {
        String name = e.method().toLowerCase(Locale.ROOT);
        String wanted = method.toLowerCase(Locale.ROOT);
        if (name.equals(wanted)) {
            return List.of(e.metadata());
        }
        if (!name.endsWith("+" + wanted)) {
            return List.of();
        }
        Object base = e.metadata().get("base_metadata");
        List<Map<?, ?>> out = new ArrayList<>();
        for (Object m : base instanceof List<?> l ? l : Collections.singletonList(base)) {
            if (m instanceof Map<?, ?> map) {
                out.add(map);
            }
        }
        return out;
    }
}
