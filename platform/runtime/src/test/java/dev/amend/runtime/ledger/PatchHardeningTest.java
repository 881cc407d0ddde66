package dev.amend.runtime.ledger;

import static dev.amend.runtime.ledger.LedgerFixtures.SEED;
import static dev.amend.runtime.ledger.LedgerFixtures.bits;
import static dev.amend.runtime.ledger.LedgerFixtures.differing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.InvalidRequestException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed, duplicated, re-imported and inflating patches: each refused with a clear message, nothing changed. */
class PatchHardeningTest {
    @TempDir
    Path data;

    private byte[] patch;

    @BeforeEach
    void export() throws Exception {
        try (Transformer m = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data.resolve("src"), m)) {
            Random r = new Random(5);
            ledger.record(LedgerFixtures.edit("rome", List.of(LedgerFixtures.lowRank(m, 1, 1, r)), 0), Map.of());
            ledger.record(LedgerFixtures.edit("memit", List.of(LedgerFixtures.dense(m, 0, r)), 1), Map.of());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ledger.exportPatch(List.of(), out);
            patch = out.toByteArray();
        }
    }

    @Test
    void aPatchWithoutItsVersionOrWithBadFieldsIsRefusedNamingTheField() throws Exception {
        assertRefused(withHead(h -> h.remove("version")), "\"version\"");
        assertRefused(withHead(h -> h.addProperty("version", "one")), "\"version\"");
        assertRefused(withHead(h -> h.remove("edits")), "\"edits\"");
        assertRefused(withHead(h -> h.getAsJsonArray("edits").get(0).getAsJsonObject().remove("file")), "\"file\"");
        assertRefused(withHead(h -> h.getAsJsonArray("edits").get(1).getAsJsonObject().addProperty("file_bytes", 1.5)),
                "\"file_bytes\"");
        assertRefused(withHead(h -> h.getAsJsonArray("edits").set(0, JsonParser.parseString("7"))), "not a JSON object");
        assertRefused(withHead(h -> h.remove("base_hash")), "\"base_hash\"");
    }

    @Test
    void anEntryWithAFieldOfTheWrongTypeIsRefusedWithoutNamingAJavaClass() throws Exception {
        Map<String, String> wrong = Map.of("info", "\"x\"", "requests", "{\"x\": [1]}", "method", "{}");
        for (Map.Entry<String, String> field : wrong.entrySet()) {
            String message = assertRefused(withHead(h -> h.getAsJsonArray("edits").get(0).getAsJsonObject()
                    .add(field.getKey(), JsonParser.parseString(field.getValue()))),
                    "missing or has the wrong JSON type");
            assertFalse(message.contains("java.") || message.contains("Exception") || message.contains("gson"),
                    message);
        }
    }

    @Test
    void duplicateEditsAreRefusedInsteadOfDroppedSilently() throws Exception {
        assertRefused(withHead(h -> {
            JsonArray edits = h.getAsJsonArray("edits");
            edits.add(edits.get(0).deepCopy());
        }), "repeats edit");
        Map<String, byte[]> entries = entries(patch);
        String first = entries.keySet().stream().filter(n -> n.startsWith("edits/")).findFirst().orElseThrow();
        assertRefused(zip(entries, first), "twice");
    }

    @Test
    void importingTheSamePatchTwiceChangesNothingTheSecondTime() throws Exception {
        try (Transformer m = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data.resolve("dst"), m)) {
            PatchImport once = ledger.importPatchReport(new ByteArrayInputStream(patch));
            assertEquals(2, once.added().size());
            assertNull(once.message());
            Map<String, int[]> after = bits(m);
            PatchImport twice = ledger.importPatchReport(new ByteArrayInputStream(patch));
            assertEquals(0, twice.added().size());
            assertEquals(2, twice.skipped().size());
            assertTrue(twice.message().contains("already in the history"), twice.message());
            assertEquals(2, ledger.entries().size());
            assertEquals(List.of(), differing(after, bits(m)), "weights after the second import");
            // the plain import says the same by adding nothing
            assertEquals(0, ledger.importPatch(new ByteArrayInputStream(patch)).size());
        }
    }

    @Test
    void aDeclaredSizeBeyondWhatTheBaseModelCanHoldIsRefusedBeforeReading() throws Exception {
        try (Transformer m = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data.resolve("dst"), m)) {
            long limit = ledger.maxPatchEntryBytes();
            // an entry declared (and really inflating) to 2.5 GB from about 11 MB of zip: read naively it exhausts
            // the heap; the reader refuses it from the declared size alone
            long huge = 2_500L << 20;
            assertTrue(huge > limit);
            byte[] bomb = bomb(huge);
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> ledger.importPatch(new ByteArrayInputStream(bomb)));
            assertTrue(e.getMessage().contains("declares " + huge + " bytes"), e.getMessage());
            assertEquals(0, ledger.entries().size());
        }
    }

    @Test
    void anEntryRunningPastItsDeclaredSizeIsRefusedAtThatByte() throws Exception {
        Map<String, byte[]> entries = entries(patch);
        String first = entries.keySet().stream().filter(n -> n.startsWith("edits/")).findFirst().orElseThrow();
        byte[] longer = java.util.Arrays.copyOf(entries.get(first), entries.get(first).length + 4096);
        entries.put(first, longer);
        assertRefused(zip(entries, null), "larger than its declared size");
    }

    @Test
    void anEntryNameThatIsNotUtf8IsRefused() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("patch.json", entries(patch).get("patch.json"));
        entries.put("edits/\u00e9.bin", new byte[] {1});
        byte[] bytes = zip(entries, null);
        for (int i = 0; i + 1 < bytes.length; i++) {
            if (bytes[i] == (byte) 0xC3 && bytes[i + 1] == (byte) 0xA9) {
                bytes[i + 1] = '(';   // é becomes 0xC3 '(' in the local header: not UTF-8
                break;
            }
        }
        assertRefused(bytes, "not UTF-8");
    }

    /** Imports {@code bytes} into a fresh ledger, checks the refusal's message and that nothing changed; returns it. */
    private String assertRefused(byte[] bytes, String messagePart) throws Exception {
        try (Transformer m = LedgerFixtures.gpt2(SEED); EditLedger ledger = EditLedger.open(data.resolve("x"), m)) {
            Map<String, int[]> base = bits(m);
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> ledger.importPatch(new ByteArrayInputStream(bytes)));
            assertTrue(e.getMessage().contains(messagePart), e.getMessage());
            assertEquals(0, ledger.entries().size());
            assertEquals(List.of(), differing(base, bits(m)));
            return e.getMessage();
        }
    }

    private byte[] withHead(Consumer<JsonObject> change) throws IOException {
        Map<String, byte[]> entries = entries(patch);
        JsonObject head = JsonParser.parseString(new String(entries.get("patch.json"), StandardCharsets.UTF_8))
                .getAsJsonObject();
        change.accept(head);
        entries.put("patch.json", head.toString().getBytes(StandardCharsets.UTF_8));
        return zip(entries, null);
    }

    /** Returns a patch whose one edit is {@code size} zero bytes, declared as such. */
    private byte[] bomb(long size) throws IOException {
        JsonObject head = JsonParser.parseString(new String(entries(patch).get("patch.json"), StandardCharsets.UTF_8))
                .getAsJsonObject();
        JsonObject edit = head.getAsJsonArray("edits").get(0).getAsJsonObject();
        edit.addProperty("file_bytes", size);
        JsonArray one = new JsonArray();
        one.add(edit);
        head.add("edits", one);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            z.setLevel(1);
            z.putNextEntry(new ZipEntry("patch.json"));
            z.write(head.toString().getBytes(StandardCharsets.UTF_8));
            z.putNextEntry(new ZipEntry(edit.get("file").getAsString()));
            byte[] zeros = new byte[1 << 20];
            for (long written = 0; written < size; written += zeros.length) {
                z.write(zeros, 0, (int) Math.min(zeros.length, size - written));
            }
            z.closeEntry();
        }
        return out.toByteArray();
    }

    private static Map<String, byte[]> entries(byte[] zip) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                out.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }

    /** Returns a zip of {@code entries} in order, with {@code repeat} (if not null) written a second time. */
    private static byte[] zip(Map<String, byte[]> entries, String repeat) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
            if (repeat != null) {
                // ZipOutputStream refuses duplicate names: the copy gets a name of the same length, renamed below
                z.putNextEntry(new ZipEntry(alias(repeat)));
                z.write(entries.get(repeat));
                z.closeEntry();
            }
        }
        byte[] bytes = out.toByteArray();
        if (repeat != null) {
            replaceAll(bytes, alias(repeat).getBytes(StandardCharsets.UTF_8), repeat.getBytes(StandardCharsets.UTF_8));
        }
        return bytes;
    }

    private static String alias(String name) {
        return "edits/Z" + name.substring("edits/Z".length());
    }

    private static void replaceAll(byte[] hay, byte[] from, byte[] to) {
        for (int i = 0; i + from.length <= hay.length; i++) {
            if (java.util.Arrays.equals(hay, i, i + from.length, from, 0, from.length)) {
                System.arraycopy(to, 0, hay, i, to.length);
            }
        }
    }
}
