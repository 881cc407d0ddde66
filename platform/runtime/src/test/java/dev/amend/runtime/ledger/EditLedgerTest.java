package dev.amend.runtime.ledger;

import static dev.amend.runtime.ledger.LedgerFixtures.SEED;
import static dev.amend.runtime.ledger.LedgerFixtures.bits;
import static dev.amend.runtime.ledger.LedgerFixtures.differing;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.model.Transformer;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.WeightDelta;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger on tiny real models: durability, replay, rollback, patches and damaged files. */
class EditLedgerTest {
    @TempDir
    Path data;

    @Test
    void recordsAppliesAndReplaysBitForBitAgainstPlainJava() throws Exception {
        List<Edit> edits;
        Map<String, int[]> before;
        List<String> ids = new ArrayList<>();
        try (Transformer m = LedgerFixtures.gpt2(SEED)) {
            edits = LedgerFixtures.mixedEdits(m);
            Map<String, int[]> expected = LedgerFixtures.bitsOf(LedgerFixtures.plainJava(m, edits));
            try (EditLedger ledger = EditLedger.open(data, m)) {
                assertTrue(ledger.recovery().created());
                for (Edit e : edits) {
                    LedgerEntry entry = ledger.record(e, Map.of("scores", Map.of("efficacy", 1.0)));
                    ids.add(entry.id());
                }
                before = bits(m);
                assertEquals(List.of(), differing(expected, before), "ledger-applied weights vs plain Java");
                assertEquals(4, ledger.entries().size());
                assertEquals(4, ledger.history().size());
                assertEquals(ids, ledger.entries().stream().map(LedgerEntry::id).toList());
                assertTrue(ledger.directory().startsWith(data));
                assertTrue(ledger.directory().getFileName().toString().startsWith("tiny-gpt2-"));
            }
        }
        try (Transformer fresh = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data, fresh)) {
            assertFalse(ledger.recovery().created());
            assertEquals(4, ledger.recovery().replayedEdits());
            assertEquals(List.of(), differing(before, bits(fresh)), "weights after reopening");
            assertEquals(ids, ledger.entries().stream().map(LedgerEntry::id).toList());
            LedgerEntry second = ledger.entry(ids.get(1)).orElseThrow();
            assertEquals("memit", second.method());
            assertEquals("1.0", second.methodVersion());
            assertEquals(List.of("{}", "Once upon a time. {}"), second.contextTemplates());
            assertEquals(" Rome", second.requests().get(0).target());
            assertEquals(2, second.deltas().size());
            assertEquals("dense", second.deltas().get(0).kind());
            assertEquals(128L * 32, second.deltas().get(0).storedFloats());
            assertEquals(4L * 128 * 32, second.deltas().get(0).bytes());
            assertEquals("low_rank", second.deltas().get(1).kind());
            assertEquals(128L + 32, second.deltas().get(1).storedFloats());
            assertEquals(Map.of("scores", Map.of("efficacy", 1.0)), second.info());
            assertTrue(second.bytes() > 4 * (128 * 32 + 160));
            assertSameEdit(edits.get(1), second.edit());
            assertTrue(ledger.entry("nope").isEmpty());
            Map<String, Object> d = second.describe();
            assertEquals(ids.get(1), d.get("id"));
            assertEquals("memit", d.get("method"));
            assertEquals(List.of(32, 128), ((Map<?, ?>) ((List<?>) d.get("deltas")).get(0)).get("shape"));
            assertEquals(8, ((List<?>) ((Map<?, ?>) ((Map<?, ?>) d.get("metadata")).get("keys")).get("0")).size());
        }
    }

    /** The edit read back equals the one recorded, with the same Java types in hyperparameters and metadata. */
    static void assertSameEdit(Edit want, Edit got) {
        assertEquals(want.method(), got.method());
        assertEquals(want.requests(), got.requests());
        want.hyperparameters().forEach((k, v) -> assertEquals(v, got.hyperparameters().get(k),
                k + ": " + v.getClass() + " vs " + got.hyperparameters().get(k).getClass() + " "
                        + (got.hyperparameters().get(k) instanceof List<?> l && !l.isEmpty() ? (l.get(0) instanceof List<?> l2 ? l2.get(0).getClass() : l.get(0).getClass()) : "")));
        assertEquals(want.hyperparameters(), got.hyperparameters());
        assertEquals(want.contextTemplates(), got.contextTemplates());
        assertEquals(want.deltas().size(), got.deltas().size());
        for (int i = 0; i < want.deltas().size(); i++) {
            WeightDelta a = want.deltas().get(i);
            WeightDelta b = got.deltas().get(i);
            assertEquals(a.getClass(), b.getClass());
            assertEquals(a.weight(), b.weight());
            assertArrayEquals(a.toDense(), b.toDense());
        }
        Map<String, Object> wm = want.metadata();
        Map<String, Object> gm = got.metadata();
        assertEquals(wm.keySet(), gm.keySet());
        assertEquals(wm.get("k"), gm.get("k"));
        assertEquals(Long.class, gm.get("big").getClass());
        assertEquals(Long.class, gm.get("small_long").getClass());
        assertEquals(wm.get("small_long"), gm.get("small_long"));
        assertEquals(Float.class, gm.get("ratio").getClass());
        assertTrue(Double.isNaN((Double) gm.get("nan")));
        assertEquals(true, gm.get("flag"));
        assertEquals(wm.get("nested"), gm.get("nested"));
        assertArrayEquals((double[]) wm.get("doubles"), (double[]) gm.get("doubles"));
        assertArrayEquals((int[]) wm.get("ints"), (int[]) gm.get("ints"));
        assertArrayEquals((long[]) wm.get("longs"), (long[]) gm.get("longs"));
        assertEquals(wm.get("dollar"), gm.get("dollar"));
        assertEquals(wm.get("nulls"), gm.get("nulls"));
        float[] wk = (float[]) ((Map<?, ?>) wm.get("keys")).get("0");
        float[] gk = (float[]) ((Map<?, ?>) gm.get("keys")).get("0");
        assertArrayEquals(wk, gk);
        assertEquals(Long.class, got.hyperparameters().get("mom2_n_samples").getClass());
    }

    @Test
    void llamaLayoutAndHigherRankReplayExactly() throws Exception {
        Map<String, int[]> before;
        try (Transformer m = LedgerFixtures.llama(SEED); EditLedger ledger = EditLedger.open(data, m)) {
            Random r = new Random(5);
            ledger.record(LedgerFixtures.edit("memit", List.of(LedgerFixtures.lowRank(m, 0, 3, r),
                    LedgerFixtures.lowRank(m, 2, 2, r)), 0), Map.of());
            ledger.record(LedgerFixtures.edit("rome", List.of(LedgerFixtures.dense(m, 0, r)), 1), Map.of());
            before = bits(m);
        }
        Map<String, int[]> afterRollback;
        try (Transformer fresh = LedgerFixtures.llama(SEED); EditLedger ledger = EditLedger.open(data, fresh)) {
            assertEquals(List.of(), differing(before, bits(fresh)));
            assertEquals(2, ledger.entries().size());
            assertEquals(3, ledger.entries().get(0).deltas().get(0).rank());
            // Roll back the rank-3 edit below the dense one on the same weight: the result is what a restart
            // computes, and what applying only the dense edit to the base gives.
            Edit dense = ledger.entries().get(1).edit();
            RollbackResult r = ledger.rollback(List.of(ledger.entries().get(0).id()));
            assertEquals(List.of("model.layers.0.mlp.down_proj.weight", "model.layers.2.mlp.down_proj.weight"),
                    r.restoredWeights());
            afterRollback = bits(fresh);
            try (Transformer base = LedgerFixtures.llama(SEED)) {
                dense.applyTo(base);
                assertEquals(List.of(), differing(bits(base), afterRollback));
            }
        }
        try (Transformer fresh = LedgerFixtures.llama(SEED); EditLedger ledger = EditLedger.open(data, fresh)) {
            assertEquals(List.of(), differing(afterRollback, bits(fresh)));
        }
    }

    @Test
    void rollbackInTheMiddleEqualsRecomputingFromBase() throws Exception {
        List<Edit> edits;
        List<String> ids = new ArrayList<>();
        Map<String, int[]> afterRollback;
        try (Transformer m = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data, m)) {
            edits = LedgerFixtures.mixedEdits(m);
            for (Edit e : edits) {
                ids.add(ledger.record(e, Map.of()).id());
            }
            Map<String, int[]> withAll = bits(m);
            RollbackResult r = ledger.rollback(List.of(ids.get(1)));
            assertEquals(List.of(ids.get(1)), r.removed());
            assertTrue(r.recomputedFromBase());
            assertEquals(List.of("transformer.h.1.mlp.c_proj.weight", "transformer.h.2.mlp.c_proj.weight"),
                    r.restoredWeights());
            assertEquals(List.of(ids.get(0), ids.get(2)), r.reapplied());
            assertEquals(List.of(ids.get(2), ids.get(3)), r.computedOnTopOfRemoved());
            assertNotNull(r.warning());
            assertTrue(r.warning().contains(ids.get(2)) && r.warning().contains("AlphaEdit/MEMIT"), r.warning());
            assertEquals(3, r.remaining());
            afterRollback = bits(m);
            // Base + the remaining edits in order, computed independently: plain Java on a fresh model.
            try (Transformer base = LedgerFixtures.gpt2(SEED)) {
                Map<String, int[]> expected = LedgerFixtures.bitsOf(LedgerFixtures.plainJava(base,
                        List.of(edits.get(0), edits.get(2), edits.get(3))));
                assertEquals(List.of(), differing(expected, afterRollback));
            }
            // Subtracting the removed deltas is not the same thing bit for bit: the ledger did not do that.
            try (Transformer sub = LedgerFixtures.gpt2(SEED)) {
                edits.forEach(e -> e.applyTo(sub));
                edits.get(1).revertFrom(sub);
                assertEquals(List.of(), differing(withAll, withAll));
                System.out.println("rollback: weights differing between subtract and recompute: "
                        + differing(bits(sub), afterRollback));
            }
            assertEquals(List.of(ids.get(0), ids.get(2), ids.get(3)),
                    ledger.entries().stream().map(LedgerEntry::id).toList());
            assertEquals(3, ledger.history().size());
            // Rolling back the last edit warns about nothing.
            RollbackResult last = ledger.rollback(List.of(ids.get(3)));
            assertNull(last.warning());
            assertEquals(List.of(), last.computedOnTopOfRemoved());
            afterRollback = bits(m);
            assertFalse(Files.exists(ledger.directory().resolve("deltas")
                    .resolve(String.format("%06d-%s.safetensors", 2, ids.get(1)))));
        }
        try (Transformer fresh = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data, fresh)) {
            assertEquals(List.of(ids.get(0), ids.get(2)), ledger.entries().stream().map(LedgerEntry::id).toList());
            assertEquals(List.of(), differing(afterRollback, bits(fresh)), "restart computes the same weights");
            // Rolling back several at once, in any order, back to the base model.
            RollbackResult all = ledger.rollback(List.of(ids.get(2), ids.get(0)));
            assertEquals(List.of(ids.get(0), ids.get(2)), all.removed());
            assertEquals(0, ledger.baseCopyBytes());
            try (Transformer base = LedgerFixtures.gpt2(SEED)) {
                assertEquals(List.of(), differing(bits(base), bits(fresh)));
            }
        }
    }

    @Test
    void rollbackOfUnknownIdChangesNothing() throws Exception {
        try (Transformer m = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data, m)) {
            String id = ledger.record(LedgerFixtures.mixedEdits(m).get(0), Map.of()).id();
            Map<String, int[]> w = bits(m);
            long size = Files.size(ledger.directory().resolve("journal.jsonl"));
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> ledger.rollback(List.of(id, "0123456789ab")));
            assertTrue(e.getMessage().contains("0123456789ab"), e.getMessage());
            assertThrows(InvalidRequestException.class, () -> ledger.rollback(List.of()));
            assertEquals(size, Files.size(ledger.directory().resolve("journal.jsonl")));
            assertEquals(List.of(), differing(w, bits(m)));
            assertEquals(1, ledger.entries().size());
        }
    }

    @Test
    void badEditsAreRefusedWithNothingWritten() throws Exception {
        try (Transformer m = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data, m)) {
            Map<String, int[]> w = bits(m);
            Path journal = ledger.directory().resolve("journal.jsonl");
            long size = Files.size(journal);
            Random r = new Random(1);
            WeightDelta.LowRank good = LedgerFixtures.lowRank(m, 0, 1, r);
            float[] nan = good.u().clone();
            nan[3] = Float.NaN;
            List<Edit> bad = List.of(
                    LedgerFixtures.edit("rome", List.of(good, new WeightDelta.Dense("no.such.weight", 1, 1, new float[1])), 0),
                    LedgerFixtures.edit("rome", List.of(good, new WeightDelta.Dense(good.weight(), 128, 32, new float[32 * 128])), 0),
                    LedgerFixtures.edit("rome", List.of(new WeightDelta.LowRank(good.weight(), 32, 128, 1, nan, good.v())), 0));
            for (Edit e : bad) {
                InvalidRequestException ex = assertThrows(InvalidRequestException.class, () -> ledger.record(e, Map.of()));
                assertFalse(ex.getMessage().isBlank());
            }
            assertEquals(size, Files.size(journal));
            assertEquals(List.of(), differing(w, bits(m)));
            try (var files = Files.list(ledger.directory().resolve("deltas"))) {
                assertEquals(0, files.count());
            }
        }
    }

    @Test
    void tornLastLineAndOrphanDeltasAreDroppedWithARecord() throws Exception {
        Map<String, int[]> before;
        Path journal;
        try (Transformer m = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data, m)) {
            List<Edit> edits = LedgerFixtures.mixedEdits(m);
            ledger.record(edits.get(0), Map.of());
            ledger.record(edits.get(1), Map.of());
            before = bits(m);
            journal = ledger.directory().resolve("journal.jsonl");
            // A third edit whose append was cut short by a crash: its deltas file exists, half its line.
            Path deltas = ledger.directory().resolve("deltas");
            long size = Files.size(journal);
            ledger.record(edits.get(2), Map.of());
            byte[] all = Files.readAllBytes(journal);
            String third = new String(all, (int) size, all.length - (int) size, StandardCharsets.UTF_8);
            ledger.close();
            Files.write(journal, java.util.Arrays.copyOf(all, (int) size + third.length() / 2));
            Files.write(deltas.resolve("000009-abcdefabcdef.safetensors"), new byte[] {1, 2, 3});
            Files.write(deltas.resolve("000010-abcdefabcdef.safetensors.tmp"), new byte[] {1, 2, 3});
        }
        try (Transformer fresh = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data, fresh)) {
            assertTrue(ledger.recovery().tornBytes() > 0);
            assertEquals(3, ledger.recovery().removedFiles().size(), ledger.recovery().removedFiles().toString());
            assertEquals(2, ledger.entries().size());
            assertEquals(List.of(), differing(before, bits(fresh)));
            // The ledger goes on from a clean journal.
            ledger.record(LedgerFixtures.mixedEdits(fresh).get(3), Map.of());
            before = bits(fresh);
        }
        try (Transformer fresh = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data, fresh)) {
            assertEquals(0, ledger.recovery().tornBytes());
            assertEquals(3, ledger.entries().size());
            assertEquals(List.of(), differing(before, bits(fresh)));
        }
    }

    @Test
    void damagedRecordInTheMiddleIsAClearError() throws Exception {
        Path journal;
        try (Transformer m = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data, m)) {
            for (Edit e : LedgerFixtures.mixedEdits(m)) {
                ledger.record(e, Map.of());
            }
            journal = ledger.directory().resolve("journal.jsonl");
        }
        String text = Files.readString(journal);
        int second = text.indexOf('\n', text.indexOf('\n') + 1) + 1;   // start of the second edit record
        int pos = text.indexOf("France", second);
        String damaged = text.substring(0, pos) + "Frbnce" + text.substring(pos + 6);
        Files.writeString(journal, damaged);
        try (Transformer fresh = LedgerFixtures.gpt2(SEED)) {
            Map<String, int[]> base = bits(fresh);
            LedgerCorruptException e = assertThrows(LedgerCorruptException.class, () -> EditLedger.open(data, fresh));
            assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("checksum"), e.getMessage());
            assertTrue(e.getMessage().contains("truncate it at byte " + second), e.getMessage());
            assertEquals(List.of(), differing(base, bits(fresh)), "a refused open leaves the model at base");
        }
        // A damaged deltas file is an error too.
        Files.writeString(journal, text);
        Path deltas;
        try (var files = Files.list(journal.resolveSibling("deltas"))) {
            deltas = files.sorted().findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(deltas);
        b[b.length - 1] ^= 1;
        Files.write(deltas, b);
        try (Transformer fresh = LedgerFixtures.gpt2(SEED)) {
            LedgerCorruptException e = assertThrows(LedgerCorruptException.class, () -> EditLedger.open(data, fresh));
            assertTrue(e.getMessage().contains("damaged or replaced"), e.getMessage());
        }
    }

    @Test
    void journalOfAnotherBaseModelIsRefused() throws Exception {
        Path dir = data.resolve("ledger");
        try (Transformer m = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.openAt(dir, m)) {
            ledger.record(LedgerFixtures.mixedEdits(m).get(0), Map.of());
            // One ledger object per directory at a time.
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> EditLedger.openAt(dir, m));
            assertTrue(twice.getMessage().contains("open in another process"), twice.getMessage());
        }
        try (Transformer other = LedgerFixtures.gpt2(SEED + 1)) {
            Map<String, int[]> base = bits(other);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> EditLedger.openAt(dir, other));
            assertTrue(e.getMessage().contains(other.baseHash()) && e.getMessage().contains("hash"), e.getMessage());
            assertEquals(List.of(), differing(base, bits(other)));
            // Under a data directory each base model has its own ledger.
            try (EditLedger own = EditLedger.open(data, other)) {
                assertEquals(0, own.entries().size());
            }
        }
    }

    @Test
    void patchRoundTripOntoAnotherInstanceOfTheSameModel() throws Exception {
        byte[] patch;
        List<Edit> edits;
        List<String> ids = new ArrayList<>();
        try (Transformer m = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data.resolve("a"), m)) {
            edits = LedgerFixtures.mixedEdits(m);
            for (Edit e : edits) {
                ids.add(ledger.record(e, Map.of("before", "Paris", "after", "Rome")).id());
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ledger.exportPatch(List.of(ids.get(2), ids.get(0)), out);
            patch = out.toByteArray();
            assertThrows(InvalidRequestException.class, () -> ledger.exportPatch(List.of("missing"), out));
        }
        Map<String, int[]> imported;
        List<String> newIds;
        try (Transformer other = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data.resolve("b"), other)) {
            List<LedgerEntry> entries = ledger.importPatch(new ByteArrayInputStream(patch));
            assertEquals(2, entries.size());
            newIds = entries.stream().map(LedgerEntry::id).toList();
            assertEquals(Map.of("id", ids.get(0), "sequence", 1L, "model", "tiny-gpt2", "time",
                    entries.get(0).info().get("imported_from") instanceof Map<?, ?> f ? f.get("time") : ""),
                    entries.get(0).info().get("imported_from"));
            assertEquals("Rome", entries.get(0).info().get("after"));
            assertSameEdit(edits.get(0), entries.get(0).edit());
            assertSameEdit(edits.get(2), entries.get(1).edit());
            imported = bits(other);
            try (Transformer base = LedgerFixtures.gpt2(SEED)) {
                Map<String, int[]> expected = LedgerFixtures.bitsOf(LedgerFixtures.plainJava(base,
                        List.of(edits.get(0), edits.get(2))));
                assertEquals(List.of(), differing(expected, imported));
            }
        }
        try (Transformer other = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data.resolve("b"), other)) {
            assertEquals(newIds, ledger.entries().stream().map(LedgerEntry::id).toList());
            assertEquals(List.of(), differing(imported, bits(other)));
        }
        try (Transformer wrong = LedgerFixtures.gpt2(SEED + 1); EditLedger ledger = EditLedger.open(data.resolve("c"), wrong)) {
            Map<String, int[]> base = bits(wrong);
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> ledger.importPatch(new ByteArrayInputStream(patch)));
            assertTrue(e.getMessage().contains("hash"), e.getMessage());
            InvalidRequestException junk = assertThrows(InvalidRequestException.class,
                    () -> ledger.importPatch(new ByteArrayInputStream("not a zip".getBytes(StandardCharsets.UTF_8))));
            assertTrue(junk.getMessage().contains("not an Amend patch"), junk.getMessage());
            byte[] cut = java.util.Arrays.copyOf(patch, patch.length / 2);
            assertThrows(InvalidRequestException.class, () -> ledger.importPatch(new ByteArrayInputStream(cut)));
            assertEquals(0, ledger.entries().size());
            assertEquals(List.of(), differing(base, bits(wrong)));
        }
    }

    @Test
    void historyFeedsTheEditContext() throws Exception {
        try (Transformer m = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data, m)) {
            for (Edit e : LedgerFixtures.mixedEdits(m)) {
                ledger.record(e, Map.of());
            }
            EditContext ctx = EditContext.defaults(data, null).withHistory(ledger.history());
            assertEquals(4, ctx.history().size());
            assertTrue(ctx.history().get(2).metadata().get("keys") instanceof Map<?, ?> k && k.get("0") instanceof float[]);
            assertTrue(ledger.history() == ledger.history(), "the same list until the history changes");
        }
    }

    @Test
    void journalLinesCarryTheirChecksum() throws Exception {
        try (Transformer m = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data, m)) {
            ledger.record(LedgerFixtures.mixedEdits(m).get(0), Map.of());
            List<String> lines = Files.readAllLines(ledger.directory().resolve("journal.jsonl"));
            assertEquals(2, lines.size());
            for (String l : lines) {
                assertTrue(l.matches("\\{\"crc32c\":\"[0-9a-f]{8}\",\"record\":\\{.*\\}\\}"), l);
            }
            assertTrue(lines.get(0).contains("\"base_hash\":\"" + m.baseHash() + "\""));
            Files.writeString(ledger.directory().resolve("journal.jsonl"), "", StandardOpenOption.APPEND);
        }
    }
}
