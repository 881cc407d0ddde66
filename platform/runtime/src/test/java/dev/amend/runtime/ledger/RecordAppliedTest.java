package dev.amend.runtime.ledger;

import static dev.amend.runtime.ledger.LedgerFixtures.SEED;
import static dev.amend.runtime.ledger.LedgerFixtures.bits;
import static dev.amend.runtime.ledger.LedgerFixtures.differing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.amend.runtime.editing.AppliedEdits;
import dev.amend.runtime.editing.EditInfo;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.Score;
import dev.amend.spi.edit.WeightDelta;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link EditLedger#recordApplied}: an edit the pipeline already applied is recorded without being applied again,
 * and the ledger's invariants hold as for {@link EditLedger#record}: replay equals the weights bit for bit, rollback
 * restores base values taken from before the edit, a refused edit leaves nothing behind.
 */
class RecordAppliedTest {
    @TempDir
    Path data;

    /** Applies {@code edit} as the pipeline does and records it as applied; returns its id. */
    private static String applyAndRecord(EditLedger ledger, Transformer m, Edit edit, Map<String, Object> info) {
        try (AppliedEdits applied = AppliedEdits.of(m, edit)) {
            String id = ledger.recordApplied(edit, info, applied::preEdit).id();
            applied.keep();
            return id;
        }
    }

    @Test
    void appliedEditsMixWithRecordedOnesReplayBitForBitAndRollBackToTheirBaseValues() {
        Map<String, int[]> weights;
        List<String> ids = new ArrayList<>();
        List<Edit> edits;
        EditInfo info = new EditInfo(List.of(" Paris"), List.of(" Rome"),
                List.of(new Score("efficacy", "counterfact-probability", 1.0, 1),
                        new Score("fluency", "ngram-entropy", Double.NaN, 0)), Map.of("seed", 3L));
        try (Transformer m = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data, m)) {
            edits = LedgerFixtures.mixedEdits(m);
            Map<String, int[]> expected = LedgerFixtures.bitsOf(LedgerFixtures.plainJava(m, edits));
            ids.add(applyAndRecord(ledger, m, edits.get(0), info.toMap()));
            ids.add(ledger.record(edits.get(1), Map.of()).id());
            ids.add(applyAndRecord(ledger, m, edits.get(2), Map.of()));
            ids.add(applyAndRecord(ledger, m, edits.get(3), Map.of()));
            weights = bits(m);
            assertEquals(List.of(), differing(expected, weights), "each edit applied once, as plain Java adds them");
            assertEquals(info, EditInfo.of(ledger.entry(ids.get(0)).orElseThrow().info()), "the info reads back typed");
        }
        try (Transformer fresh = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data, fresh);
             Transformer base = LedgerFixtures.gpt2(SEED)) {
            assertEquals(4, ledger.recovery().replayedEdits());
            assertEquals(List.of(), differing(weights, bits(fresh)), "replay after a restart equals the weights");
            ledger.rollback(List.of(ids.get(0)));
            Map<String, int[]> without = LedgerFixtures.bitsOf(LedgerFixtures.plainJava(base, edits.subList(1, 4)));
            assertEquals(List.of(), differing(without, bits(fresh)), "rolled back onto base values");
        }
    }

    @Test
    void rollingBackAnAppliedEditInTheSameProcessRestoresThePreEditValues() {
        try (Transformer m = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data, m)) {
            Map<String, int[]> base = bits(m);
            List<Edit> edits = LedgerFixtures.mixedEdits(m);
            String first = applyAndRecord(ledger, m, edits.get(0), Map.of());
            String second = applyAndRecord(ledger, m, edits.get(1), Map.of());
            ledger.rollback(List.of(second, first));
            assertEquals(List.of(), differing(base, bits(m)), "the base copies came from before the edits");
            assertEquals(0, ledger.baseCopyBytes());
        }
    }

    @Test
    void aRefusedEditLeavesTheModelAndTheLedgerAsTheyWere() {
        try (Transformer m = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data, m)) {
            Map<String, int[]> base = bits(m);
            WeightDelta.LowRank good = LedgerFixtures.lowRank(m, 1, 1, new Random(9));
            float[] u = good.u().clone();
            u[0] = Float.NaN;
            Edit diverged = LedgerFixtures.edit("rome", List.of(new WeightDelta.LowRank(good.weight(), good.rows(),
                    good.cols(), 1, u, good.v())), 0);
            try (AppliedEdits applied = AppliedEdits.of(m, diverged)) {
                assertThrows(InvalidRequestException.class,
                        () -> ledger.recordApplied(diverged, Map.of(), applied::preEdit));
            }
            Edit fine = LedgerFixtures.edit("rome", List.of(good), 0);
            try (AppliedEdits applied = AppliedEdits.of(m, fine)) {
                assertThrows(IllegalArgumentException.class, () -> ledger.recordApplied(fine, Map.of(), w -> null));
            }
            assertEquals(List.of(), differing(base, bits(m)), "closing the applied edits restored the weights");
            assertEquals(List.of(), ledger.entries());
        }
        try (Transformer fresh = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data, fresh)) {
            assertEquals(0, ledger.recovery().replayedEdits());
        }
    }
}
