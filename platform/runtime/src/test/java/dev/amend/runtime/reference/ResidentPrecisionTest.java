package dev.amend.runtime.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonObject;
import dev.amend.runtime.io.HfCheckpoints;
import dev.amend.runtime.ledger.WeightBits;
import dev.amend.runtime.model.Precision;
import dev.amend.runtime.model.Residency;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.safetensors.HalfFloats;
import dev.amend.runtime.safetensors.HostTensor;
import dev.amend.runtime.safetensors.SafetensorsWriter;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.EditPoint;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Weights held in float16 and bfloat16: logits against float32 on small random models of each architecture, a
 * checkpoint stored in the resident type kept bit for bit, half the resident bytes, and edits rounded once.
 */
class ResidentPrecisionTest {
    /** Largest |logit difference| relative to the largest |logit| of the float32 model. */
    private static final double FLOAT16_BOUND = 2e-3;
    private static final double BFLOAT16_BOUND = 2e-2;

    @TempDir
    Path tmp;

    private static JsonObject config(String family) {
        return switch (family) {
            case "mistral" -> {
                JsonObject c = RandomCheckpoints.llamaConfig("mistral", 128, 32, 64, 2, 4, 1);
                c.addProperty("sliding_window", 4);
                yield c;
            }
            default -> HfCheckpointRoundTripTest.configOf(family);
        };
    }

    private static Transformer load(Path dir, Precision precision) {
        return HfCheckpoints.load(dir, Residency.of(precision, Device.cpu()), "random");
    }

    private static float[] logits(Transformer m, int vocab) {
        Random rnd = new Random(5);
        List<int[]> seqs = List.of(RandomCheckpoints.randomIds(rnd, 11, vocab), RandomCheckpoints.randomIds(rnd, 6, vocab));
        return ReferenceForwardTest.logits(m, seqs, 11, vocab);
    }

    /**
     * Writes a checkpoint of {@code c} initialised as Hugging Face initialises a model (and as {@code bench scale}
     * does): matrices, embeddings and biases N(0, 0.02²) ({@code initializer_range}), norm weights near 1.
     */
    private static void writeInitialised(Path dir, JsonObject c, long seed) throws Exception {
        Map<String, HostTensor> w = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : RandomCheckpoints.randomWeights(c, new Random(seed)).entrySet()) {
            boolean norm = e.getKey().contains("norm") || e.getKey().contains("ln_");
            float[] v = e.getValue().data().clone();
            for (int i = 0; i < v.length; i++) {
                v[i] = norm ? v[i] : v[i] * (e.getValue().shape().length == 2 ? 0.1f : 0.2f);   // 0.2, 0.1 -> 0.02
            }
            w.put(e.getKey(), new HostTensor(e.getValue().shape(), v));
        }
        RandomCheckpoints.writeConfig(dir, c);
        SafetensorsWriter.write(dir.resolve("model.safetensors"), w, Map.of());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "qwen2", "mistral"})
    void halfPrecisionLogitsStayCloseToFloat32(String family) throws Exception {
        JsonObject c = config(family);
        Path dir = tmp.resolve(family);
        writeInitialised(dir, c, 211);
        int vocab = c.get("vocab_size").getAsInt();
        float[] reference;
        try (Transformer f32 = load(dir, Precision.FLOAT32)) {
            reference = logits(f32, vocab);
        }
        double scale = 0;
        for (float v : reference) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (Precision p : List.of(Precision.FLOAT16, Precision.BFLOAT16)) {
            try (Transformer half = load(dir, p)) {
                float[] got = logits(half, vocab);
                double worst = 0;
                for (int i = 0; i < got.length; i++) {
                    worst = Math.max(worst, Math.abs(got[i] - reference[i]));
                }
                double relative = worst / scale;
                double bound = p == Precision.FLOAT16 ? FLOAT16_BOUND : BFLOAT16_BOUND;
                System.out.printf("[precision] %-8s %-9s max|logit - float32 logit| / max|float32 logit| = %.2e"
                        + " (bound %.0e)%n", family, p.id(), relative, bound);
                assertTrue(relative <= bound, family + " " + p.id() + ": relative logit error " + relative);
                assertTrue(relative > 0, family + " " + p.id() + ": the weights were not rounded at all");
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"gpt2, F16", "gpt2, BF16", "llama, F16", "llama, BF16", "qwen2, BF16"})
    void aCheckpointStoredInTheResidentTypeStaysBitForBit(String family, String dtype) throws Exception {
        JsonObject c = config(family);
        Map<String, HostTensor> random = RandomCheckpoints.randomWeights(c, new Random(103));
        Map<String, short[]> bits = new TreeMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : random.entrySet()) {
            float[] f = e.getValue().data();
            short[] h = new short[f.length];
            for (int i = 0; i < f.length; i++) {
                h[i] = dtype.equals("F16") ? HfCheckpointRoundTripTest.toF16(f[i]) : HfCheckpointRoundTripTest.toBf16(f[i]);
            }
            bits.put(e.getKey(), h);
            shapes.put(e.getKey(), e.getValue().shape());
        }
        Path dir = tmp.resolve(family + "-" + dtype);
        RandomCheckpoints.writeConfig(dir, c);
        HfCheckpointRoundTripTest.writeHalfSafetensors(dir.resolve("model.safetensors"), dtype, shapes, bits);
        Precision p = dtype.equals("F16") ? Precision.FLOAT16 : Precision.BFLOAT16;
        int vocab = c.get("vocab_size").getAsInt();
        try (Transformer half = load(dir, p); Transformer wide = load(dir, Precision.FLOAT32)) {
            assertEquals(p, half.precision());
            Map<String, int[]> held = WeightBits.of(half);
            for (String n : half.weightNames()) {
                short[] want = bits.get(n.startsWith("transformer.") && !bits.containsKey(n) ? n.substring(12) : n);
                int[] wantBits = new int[want.length];
                for (int i = 0; i < want.length; i++) {
                    wantBits[i] = want[i] & 0xFFFF;
                }
                assertArrayEquals(wantBits, held.get(n), n + ": the stored " + dtype + " bits");
            }
            assertEquals(wide.baseHash().length(), half.baseHash().length());
            assertTrue(!wide.baseHash().equals(half.baseHash()), "a half-precision model hashes apart from float32");
            assertArrayEquals(logits(wide, vocab), logits(half, vocab), 0f,
                    "widened where used, the stored values compute exactly what float32 copies of them compute");
            assertEquals(2 * half.residentBytes(), wide.residentBytes(), "2 bytes per weight against 4");
            assertEquals(half.architecture().parameters() * 2, half.residentBytes());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"float16", "bfloat16"})
    void anEditRoundsWPlusDeltaOnceAndACopyRestoresTheBits(String type) {
        Precision p = Precision.parse(type);
        JsonObject c = config("gpt2");
        Path dir = tmp.resolve("edit-" + type);
        RandomCheckpoints.write(dir, c, 17);
        try (Transformer m = load(dir, p)) {
            EditPoint point = m.architecture().editPoint(1);
            Map<String, int[]> before = WeightBits.of(m);
            var copy = m.weight(point.weight()).duplicate();
            float[] w = m.weightValues(point.weight());                     // stored [in, out]
            Random r = new Random(3);
            float[] u = new float[point.outFeatures()];
            float[] v = new float[point.inFeatures()];
            for (int i = 0; i < u.length; i++) {
                u[i] = (float) (0.05 * r.nextGaussian());
            }
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) (0.05 * r.nextGaussian());
            }
            m.addToWeight(new WeightDelta.LowRank(point.weight(), u.length, v.length, 1, u, v));
            int[] got = WeightBits.of(m).get(point.weight());
            int changed = 0;
            for (int j = 0; j < v.length; j++) {         // stored row j (input), column i (output)
                for (int i = 0; i < u.length; i++) {
                    float sum = w[j * u.length + i] + u[i] * v[j];
                    int want = p == Precision.FLOAT16 ? HalfFloats.floatToHalf(sum) & 0xFFFF : bf16(sum);
                    assertEquals(want, got[j * u.length + i], "element [" + j + ", " + i + "]");
                    changed += want != before.get(point.weight())[j * u.length + i] ? 1 : 0;
                }
            }
            assertTrue(changed > got.length / 2, "the edit changed most elements (" + changed + ")");
            m.setWeight(point.weight(), copy);
            assertArrayEquals(before.get(point.weight()), WeightBits.of(m).get(point.weight()),
                    "a copy of the resident array restores the weight bit for bit");
            copy.close();
        }
    }

    /** Returns the bfloat16 bits nearest to {@code f} (round to nearest even), by the format's definition. */
    private static int bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        return ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16) & 0xFFFF;
    }

    @Test
    void unknownDtypeNamesTheAcceptedOnes() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.amend.spi.InvalidRequestException.class,
                () -> Precision.parse("int8"));
        assertTrue(e.getMessage().contains("float32, float16 or bfloat16"), e.getMessage());
        assertEquals(Precision.BFLOAT16, Precision.parse("BF16"));
        assertEquals(Precision.FLOAT16, Precision.parse("half"));
        assertEquals(Precision.FLOAT32, Precision.parse(null));
    }
}
