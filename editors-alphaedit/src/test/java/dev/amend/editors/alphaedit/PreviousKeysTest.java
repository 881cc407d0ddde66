package dev.amend.editors.alphaedit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.amend.kit.linalg.NullSpaceProjector;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The earlier keys AlphaEdit keeps out of the way: its own edits' and those of a decorator over AlphaEdit. */
class PreviousKeysTest {
    /** C = 0.001 I in 4 dimensions: every direction lies in the null space, so P = I. */
    static final NullSpaceProjector P = NullSpaceProjector.of(new double[] {
        1e-3, 0, 0, 0, 0, 1e-3, 0, 0, 0, 0, 1e-3, 0, 0, 0, 0, 1e-3}, 4, 0.02);
    static final Map<String, Object> KEYS = Map.of(AlphaEditProvider.KEYS, Map.of("1", new float[] {1, 0, 0, 0}));

    static Edit edit(String method, Map<String, Object> metadata) {
        return new Edit(method, "1", List.of(EditRequest.of("The capital of {} is", "France", " Rome")), Map.of(),
                List.of("{}"), List.of(), metadata);
    }

    static double[] gram(Edit e) {
        return PreviousKeys.projectedGram(List.of(e), Map.of(1, P)).get(1);
    }

    @Test
    void editsOfADecoratorOverAlphaEditJoinTheKeyHistory() {
        assertEquals(1.0, gram(edit("alphaedit", KEYS))[0], 1e-12);
        assertEquals(1.0, gram(edit("anyedit+alphaedit", Map.of("base_metadata", KEYS)))[0], 1e-12,
                "a joint AnyEdit edit: its base's metadata");
        assertEquals(2.0, gram(edit("anyedit+alphaedit", Map.of("base_metadata", List.of(KEYS, KEYS))))[0], 1e-12,
                "a chunk-by-chunk AnyEdit edit: one base metadata per chunk");
        assertNull(gram(edit("anyedit+memit", Map.of("base_metadata", KEYS))), "another method's keys do not count");
        assertNull(gram(edit("memit", KEYS)));
    }
}
