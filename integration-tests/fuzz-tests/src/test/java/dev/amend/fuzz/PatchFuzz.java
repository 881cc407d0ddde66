package dev.amend.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;

/**
 * Patch files made from a real exported patch by mutation, imported over REST: flipped, inserted and cut bytes, and
 * patch.json with a value replaced, removed or a whole entry repeated. A refused import answers 4xx and changes
 * nothing; an accepted one is rolled back, after which the weights must have their base hash again.
 */
class PatchFuzz {
    private final FuzzedHost host = FuzzedHost.get();

    @AfterProperty
    void weightsUnchanged() throws IOException, InterruptedException {
        WeightsCheck.unchanged(host);
    }

    @AfterContainer
    static void report() {
        FuzzInputs.print("the patch files");
    }

    /** A change to the patch's bytes: at a relative position, replace, insert or cut. */
    record ByteChange(double at, int kind, byte value, int length) {
        byte[] apply(byte[] in) {
            int pos = (int) Math.max(0, Math.min(in.length - 1, at * in.length));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            switch (kind) {
                case 0 -> {
                    byte[] copy = in.clone();
                    for (int i = pos; i < Math.min(in.length, pos + length); i++) {
                        copy[i] = (byte) (copy[i] ^ value | 1);
                    }
                    return copy;
                }
                case 1 -> {
                    out.write(in, 0, pos);
                    for (int i = 0; i < length; i++) {
                        out.write(value);
                    }
                    out.write(in, pos, in.length - pos);
                    return out.toByteArray();
                }
                default -> {
                    out.write(in, 0, pos);
                    return out.toByteArray();
                }
            }
        }
    }

    @Provide
    Arbitrary<byte[]> bytePatches() {
        return Combinators.combine(Arbitraries.doubles().between(0, 1), Arbitraries.integers().between(0, 2),
                Arbitraries.bytes(), Arbitraries.integers().between(1, 16))
                .as(ByteChange::new).list().ofMinSize(1).ofMaxSize(3).map(changes -> {
                    byte[] b = host.patch;
                    for (ByteChange c : changes) {
                        b = c.apply(b);
                    }
                    return b;
                });
    }

    @Property(tries = 700, shrinking = ShrinkingMode.BOUNDED)
    void bytesChangedPatchesAreRefusedOrImportedWhole(@ForAll("bytePatches") byte[] patch) throws Exception {
        FuzzInputs.count("patch files (bytes changed)");
        importAndUndo(patch);
    }

    @Provide
    Arbitrary<byte[]> jsonPatches() {
        return Combinators.combine(Arbitraries.integers().between(0, 1_000), Arbitraries.integers().between(0, 2),
                JsonValues.values(2)).as((which, how, value) -> {
                    try {
                        return rezip(host.patch, which, how, value);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
    }

    @Property(tries = 800, shrinking = ShrinkingMode.BOUNDED)
    void patchJsonChangesAreRefusedOrImportedWhole(@ForAll("jsonPatches") byte[] patch) throws Exception {
        FuzzInputs.count("patch files (patch.json changed)");
        importAndUndo(patch);
    }

    private void importAndUndo(byte[] patch) throws Exception {
        HttpResponse<String> r = host.send("POST", "/api/v1/models/demo/patches", "application/octet-stream", patch,
                Map.of());
        Answers.check(r, patchJson(patch, "a patch of " + patch.length + " bytes"));
        if (r.statusCode() < 300) {
            host.rollbackAll();
            WeightsCheck.unchanged(host);
        }
    }

    /** Returns the patch with one value of patch.json (the {@code which}-th, in document order) changed. */
    static byte[] rezip(byte[] patch, int which, int how, Object value) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(patch));
             ZipOutputStream zip = new ZipOutputStream(out)) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                byte[] bytes = in.readAllBytes();
                if (e.getName().equals("patch.json")) {
                    JsonNode root = FuzzedHost.JSON.readTree(bytes);
                    change(root, which, how, FuzzedHost.JSON.valueToTree(value));
                    bytes = FuzzedHost.JSON.writeValueAsBytes(root);
                }
                zip.putNextEntry(new ZipEntry(e.getName()));
                zip.write(bytes);
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    /** Replaces ({@code how} 0), removes (1) or repeats (2) the {@code which}-th field or element of {@code root}. */
    private static void change(JsonNode root, int which, int how, JsonNode value) {
        List<JsonNode[]> slots = new ArrayList<>();
        collect(root, slots);
        JsonNode[] slot = slots.get(which % slots.size());
        if (slot[0] instanceof ObjectNode o) {
            String name = slot[1].asText();
            switch (how) {
                case 0 -> o.set(name, value);
                case 1 -> o.remove(name);
                default -> o.set(name + "_copy", o.get(name));
            }
        } else if (slot[0] instanceof ArrayNode a) {
            int i = slot[1].asInt();
            switch (how) {
                case 0 -> a.set(i, value);
                case 1 -> a.remove(i);
                default -> a.add(a.get(i));
            }
        }
    }

    private static void collect(JsonNode node, List<JsonNode[]> slots) {
        if (node instanceof ObjectNode o) {
            o.fieldNames().forEachRemaining(f -> {
                slots.add(new JsonNode[] {o, FuzzedHost.JSON.getNodeFactory().textNode(f)});
                collect(o.get(f), slots);
            });
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                slots.add(new JsonNode[] {a, FuzzedHost.JSON.getNodeFactory().numberNode(i)});
                collect(a.get(i), slots);
            }
        }
    }

    /** Returns the text of {@code patch}'s patch.json (what the host may echo in a refusal), or {@code otherwise}. */
    private static String patchJson(byte[] patch, String otherwise) {
        try (java.util.zip.ZipInputStream zip = new java.util.zip.ZipInputStream(
                new java.io.ByteArrayInputStream(patch))) {
            for (java.util.zip.ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (e.getName().equals("patch.json")) {
                    return new String(zip.readNBytes(1 << 20), java.nio.charset.StandardCharsets.UTF_8);
                }
            }
        } catch (java.io.IOException | IllegalArgumentException e) {
            return otherwise;
        }
        return otherwise;
    }
}
