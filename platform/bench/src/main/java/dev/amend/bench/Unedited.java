package dev.amend.bench;

import dev.amend.spi.Editor;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.model.EditableModel;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmarks' unedited row ({@code --method none}): an edit with no deltas, so that the unedited model is
 * scored on the same draw with the same evaluators as the methods. Benchmark-only: it is not registered as a
 * plugin, and the host does not serve it.
 */
public final class Unedited implements Editor {
    /** The method name the benchmarks take for it. */
    public static final String NAME = "none";

    /** Returns true when {@code method} names the unedited row. */
    public static boolean is(String method) {
        return NAME.equals(method.toLowerCase(Locale.ROOT));
    }

    /** Returns an edit of {@code requests} that changes nothing. */
    @Override
    public Edit computeEdit(EditableModel model, List<EditRequest> requests, EditContext context) {
        return new Edit(NAME, "0", requests, Map.of(), List.of(), List.of(), Map.of());
    }
}
