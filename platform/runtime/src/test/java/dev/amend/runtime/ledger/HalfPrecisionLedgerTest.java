package dev.amend.runtime.ledger;

import static dev.amend.runtime.ledger.LedgerFixtures.bits;
import static dev.amend.runtime.ledger.LedgerFixtures.differing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.djl.Device;
import dev.amend.runtime.model.Precision;
import dev.amend.runtime.model.Residency;
import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.safetensors.HalfFloats;
import dev.amend.spi.edit.Edit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Edits of a model held in float16 or bfloat16 through the ledger: the ledger stores ΔW in float32, applying an edit
 * is W := round(W + ΔW) into the resident type, and a rollback or a restart recomputes the touched weights from
 * their base bits by re-applying the remaining edits in order, so every state equals, bit for bit, the rounding of
 * the same edits applied one after another in plain Java.
 */
class HalfPrecisionLedgerTest {
    @TempDir
    Path data;

    private static Transformer model(Precision p) {
        return TinyModels.random(TinyModels.gpt2(), LedgerFixtures.SEED, null, Residency.of(p, Device.cpu()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"float16", "bfloat16"})
    void editsApplyRollBackAndReplayBitForBit(String type) {
        Precision p = Precision.parse(type);
        List<Edit> edits = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        Map<String, int[]> afterRollback;
        try (Transformer m = model(p); EditLedger ledger = EditLedger.open(data, m)) {
            Map<String, int[]> base = bits(m);
            for (int k = 0; k < 5; k++) {          // rank one and dense, on the edit points and on ln_f
                edits.add(LedgerFixtures.streamEdit(m, k));
                ids.add(ledger.record(edits.get(k), Map.of()).id());
            }
            assertEquals(List.of(), differing(rounded(m, base, edits, p), bits(m)), "applied: round(W + ΔW) per edit");
            ledger.rollback(List.of(ids.get(1)));
            afterRollback = bits(m);
            List<Edit> remaining = List.of(edits.get(0), edits.get(2), edits.get(3), edits.get(4));
            assertEquals(List.of(), differing(rounded(m, base, remaining, p), afterRollback),
                    "rolled back: the remaining edits re-applied from the base bits");
            assertNotEquals(List.of(), differing(base, afterRollback));
        }
        try (Transformer fresh = model(p); EditLedger ledger = EditLedger.open(data, fresh)) {
            assertEquals(4, ledger.recovery().replayedEdits());
            assertEquals(List.of(), differing(afterRollback, bits(fresh)), "a restart replays the same bits");
            ledger.rollback(List.of(ids.get(0), ids.get(2), ids.get(3), ids.get(4)));
            try (Transformer base = model(p)) {
                assertEquals(List.of(), differing(bits(base), bits(fresh)), "everything rolled back: the base bits");
            }
        }
    }

    /**
     * Returns the 16-bit patterns of {@code base} after {@code edits}, each applied in plain Java as the ledger
     * defines it: ΔW in float32 (a rank-one u vᵀ product or the dense values), added to the float32 value of W, the
     * sum rounded to nearest even into the resident type.
     */
    private static Map<String, int[]> rounded(Transformer model, Map<String, int[]> base, List<Edit> edits,
                                              Precision p) {
        Map<String, int[]> w = new TreeMap<>();
        base.forEach((n, b) -> w.put(n, b.clone()));
        LedgerFixtures.forEachDelta(model, edits, (weight, index, delta) -> {
            int[] target = w.get(weight);
            target[index] = round(value(target[index], p) + delta, p);
        });
        return w;
    }

    private static float value(int bits, Precision p) {
        return p == Precision.FLOAT16 ? HalfFloats.halfToFloat((short) bits) : Float.intBitsToFloat(bits << 16);
    }

    private static int round(float f, Precision p) {
        if (p == Precision.FLOAT16) {
            return HalfFloats.floatToHalf(f) & 0xFFFF;
        }
        int b = Float.floatToRawIntBits(f);
        return ((b + 0x7FFF + ((b >>> 16) & 1)) >>> 16) & 0xFFFF;
    }
}
