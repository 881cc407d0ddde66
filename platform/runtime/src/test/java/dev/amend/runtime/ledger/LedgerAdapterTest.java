package dev.amend.runtime.ledger;

import static dev.amend.runtime.ledger.LedgerFixtures.SEED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.model.AdapterKinds;
import dev.amend.runtime.model.ShiftAdapterKind;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Adapter;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Edits carrying adapters in the ledger: composition with deltas, rollback, replay, patches, unknown kinds. */
class LedgerAdapterTest {
    private static final int[] IDS = {3, 17, 42, 5, 9, 11, 60, 2};

    @TempDir
    Path data;

    @TempDir
    Path other;

    private static float[] logits(Transformer m) {
        try (ForwardResult r = m.forward(ForwardRequest.of(List.of(IDS)))) {
            return r.logits().toFloatArray();
        }
    }

    /** An edit with one test-shift adapter at {@code layer} and metadata. */
    private static Edit adapterEdit(Transformer m, int layer, long seed) {
        Random r = new Random(seed);
        float[] shift = new float[m.architecture().hiddenSize()];
        for (int i = 0; i < shift.length; i++) {
            shift[i] = (float) r.nextGaussian() * 0.3f;
        }
        return new Edit("grace", "1", List.of(), Map.of("eps", 1.0), List.of(), List.of(), Map.of("entries", 1),
                List.of(ShiftAdapterKind.adapter(layer, 0.9f, shift)));
    }

    private static Edit deltaEdit(Transformer m) {
        return LedgerFixtures.edit("rome", List.of(LedgerFixtures.lowRank(m, 1, 1, new Random(5))), 0);
    }

    @Test
    void adapterAndDeltaEditsComposeInEitherOrderAndRollBackOneByOne() {
        float[] both;
        float[] deltaOnly;
        float[] adapterOnly;
        try (Transformer m = LedgerFixtures.gpt2(SEED)) {
            Edit a = adapterEdit(m, 1, 1);
            Edit d = deltaEdit(m);
            d.applyTo(m);
            deltaOnly = logits(m);
            a.applyTo(m);
            both = logits(m);
        }
        try (Transformer m = LedgerFixtures.gpt2(SEED)) {
            adapterEdit(m, 1, 1).applyTo(m);
            adapterOnly = logits(m);
        }
        for (boolean adapterFirst : new boolean[] {true, false}) {
            Path dir = data.resolve("order-" + adapterFirst);
            try (Transformer m = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(dir, m)) {
                Edit a = adapterEdit(m, 1, 1);
                Edit d = deltaEdit(m);
                String adapterId;
                String deltaId;
                if (adapterFirst) {
                    adapterId = ledger.record(a, Map.of()).id();
                    deltaId = ledger.record(d, Map.of()).id();
                } else {
                    deltaId = ledger.record(d, Map.of()).id();
                    adapterId = ledger.record(a, Map.of()).id();
                }
                assertArrayEquals(both, logits(m), "both edits, adapter first: " + adapterFirst);
                assertEquals(a.adapters(), m.adapters());
                assertEquals(a.adapters(), ledger.entry(adapterId).orElseThrow().edit().adapters());
                ledger.rollback(List.of(deltaId));
                assertArrayEquals(adapterOnly, logits(m), "delta rolled back");
                ledger.record(d, Map.of());
                ledger.rollback(List.of(adapterId));
                assertArrayEquals(deltaOnly, logits(m), "adapter rolled back");
                assertEquals(List.of(), m.adapters());
            }
        }
    }

    @Test
    void adaptersAreReplayedOnOpenInOrderAndExportedAndImportedLikeDeltas() throws Exception {
        float[] expected;
        List<Adapter> adapters;
        byte[] patch;
        try (Transformer m = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data, m)) {
            ledger.record(adapterEdit(m, 2, 1), Map.of("note", "first"));
            ledger.record(deltaEdit(m), Map.of());
            String middle = ledger.record(adapterEdit(m, 2, 2), Map.of()).id();
            ledger.record(adapterEdit(m, 0, 3), Map.of());
            ledger.rollback(List.of(middle));
            expected = logits(m);
            adapters = m.adapters();
            assertEquals(2, adapters.size());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ledger.exportPatch(List.of(), out);
            patch = out.toByteArray();
            Map<String, Object> described = ledger.entries().get(0).describe();
            assertEquals(1, ((List<?>) described.get("adapters")).size(), described.toString());
        }
        try (Transformer fresh = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data, fresh)) {
            assertEquals(3, ledger.recovery().replayedEdits());
            assertEquals(adapters, fresh.adapters());
            assertArrayEquals(expected, logits(fresh));
        }
        try (Transformer fresh = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(other, fresh)) {
            assertEquals(3, ledger.importPatch(new ByteArrayInputStream(patch)).size());
            assertEquals(adapters, fresh.adapters());
            assertArrayEquals(expected, logits(fresh));
        }
    }

    @Test
    void aPatchWhoseAdapterKindIsNotInstalledIsRefusedAndNothingChanges() throws Exception {
        byte[] patch;
        try (Transformer m = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data, m)) {
            ledger.record(deltaEdit(m), Map.of());
            ledger.record(adapterEdit(m, 1, 4), Map.of());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ledger.exportPatch(List.of(), out);
            patch = out.toByteArray();
        }
        try (Transformer fresh = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(other, fresh)) {
            fresh.useAdapterKinds(AdapterKinds.of(List::of));
            String hash = fresh.weightsHash();
            float[] before = logits(fresh);
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> ledger.importPatch(new ByteArrayInputStream(patch)));
            assertTrue(e.getMessage().contains("adapter kind \"" + ShiftAdapterKind.KIND + "\" is not installed"),
                    e.getMessage());
            assertEquals(List.of(), ledger.entries());
            assertEquals(0, ledger.lastSequence());
            assertEquals(hash, fresh.weightsHash());
            assertEquals(List.of(), fresh.adapters());
            assertArrayEquals(before, logits(fresh));
        }
    }
}
