package dev.amend.runtime.llama2c;

import static dev.amend.runtime.llama2c.Llama2cTokenizerTest.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amend.runtime.MalformedCheckpointException;
import dev.amend.runtime.SharedFixtures;
import dev.amend.runtime.model.Family;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.model.TransformerConfig;
import dev.amend.runtime.safetensors.HostTensor;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.GenerationRequest;
import dev.amend.spi.model.GenerationResult;
import dev.amend.spi.model.Sampling;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real pretrained stories260K checkpoint (llama2.c format) against goldens produced by
 * llama2.c's run.c: importer layout, greedy generations token for token, and logits.
 */
class Stories260kGoldenTest {
    private static final int STEPS = 64;
    private static final double LOGIT_TOLERANCE = 1e-4;

    private static Path fixture;
    private static Path bin;
    private static JsonObject golden;
    private static Llama2cCheckpoint.Parsed parsed;
    private static Transformer model;

    @BeforeAll
    static void read() throws IOException {
        fixture = SharedFixtures.require("fixtures/stories260K");
        bin = fixture.resolve("stories260K.bin");
        golden = JsonParser.parseString(Files.readString(fixture.resolve("golden.json"))).getAsJsonObject();
        parsed = Llama2cCheckpoint.read(bin);
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
            model = null;
        }
    }

    private static synchronized Transformer model() {
        if (model == null) {
            model = Llama2cCheckpoint.load(bin, fixture.resolve("tok512.bin"), Device.cpu());
        }
        return model;
    }

    // ---- the importer, without DJL ------------------------------------------------------------------

    @Test
    void headerBecomesALlamaConfig() {
        TransformerConfig c = parsed.config();
        assertEquals(Family.LLAMA, c.family());
        assertEquals(512, c.vocabSize());
        assertEquals(64, c.hiddenSize());
        assertEquals(172, c.intermediateSize());
        assertEquals(5, c.layers());
        assertEquals(8, c.heads());
        assertEquals(4, c.kvHeads());
        assertEquals(8, c.headDim());
        assertEquals(512, c.maxPositions());
        assertEquals(1e-5, c.normEps());
        assertEquals(10000.0, c.ropeTheta());
        assertNull(c.ropeScaling());
        assertTrue(c.tieWordEmbeddings());
        assertFalse(c.qkvBias() || c.outputBias() || c.mlpBias());
        assertEquals(0, c.slidingWindow());
        assertEquals(1, c.bosTokenId());
        assertEquals(2, c.eosTokenId());
        assertEquals("float32", c.dtype());
        JsonObject expected = golden.getAsJsonObject("config");
        assertEquals(expected.get("kv_dim").getAsInt(), parsed.header().kvDim());
        assertEquals(expected.get("shared_classifier").getAsBoolean(), parsed.header().sharedClassifier());
    }

    @Test
    void slicesEveryTensorWithItsHuggingFaceName() {
        Map<String, HostTensor> t = parsed.tensors();
        assertEquals(1 + 5 * 9 + 1, t.size());
        assertFalse(t.containsKey("lm_head.weight"));
        assertShape(t, "model.embed_tokens.weight", 512, 64);
        assertShape(t, "model.norm.weight", 64);
        for (int l = 0; l < 5; l++) {
            String p = "model.layers." + l + ".";
            assertShape(t, p + "input_layernorm.weight", 64);
            assertShape(t, p + "self_attn.q_proj.weight", 64, 64);
            assertShape(t, p + "self_attn.k_proj.weight", 32, 64);
            assertShape(t, p + "self_attn.v_proj.weight", 32, 64);
            assertShape(t, p + "self_attn.o_proj.weight", 64, 64);
            assertShape(t, p + "post_attention_layernorm.weight", 64);
            assertShape(t, p + "mlp.gate_proj.weight", 172, 64);
            assertShape(t, p + "mlp.up_proj.weight", 172, 64);
            assertShape(t, p + "mlp.down_proj.weight", 64, 172);
        }
        long parameters = t.values().stream().mapToLong(h -> h.data().length).sum();
        assertEquals(260_032, parameters);
    }

    @Test
    void permutesQueryAndKeyRowsIntoRotateHalfOrderAndKeepsTheRest() throws IOException {
        FloatBuffer raw = rawFloats();
        int d = 64;
        int layers = 5;
        int ff = 172;
        int kvDim = 32;
        int embedding = 512 * d;
        int wq = embedding + layers * d;
        int wk = wq + layers * d * d;
        int wv = wk + layers * kvDim * d;
        int wo = wv + layers * kvDim * d;
        int ffnNorm = wo + layers * d * d;
        int w1 = ffnNorm + layers * d;
        int w2 = w1 + layers * ff * d;
        int w3 = w2 + layers * d * ff;
        int finalNorm = w3 + layers * ff * d;
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            assertPermuted(raw, wq + l * d * d, parsed.tensors().get(p + "self_attn.q_proj.weight"), 8);
            assertPermuted(raw, wk + l * kvDim * d, parsed.tensors().get(p + "self_attn.k_proj.weight"), 4);
            assertSame(raw, wv + l * kvDim * d, parsed.tensors().get(p + "self_attn.v_proj.weight"));
            assertSame(raw, wo + l * d * d, parsed.tensors().get(p + "self_attn.o_proj.weight"));
            assertSame(raw, embedding + l * d, parsed.tensors().get(p + "input_layernorm.weight"));
            assertSame(raw, ffnNorm + l * d, parsed.tensors().get(p + "post_attention_layernorm.weight"));
            assertSame(raw, w1 + l * ff * d, parsed.tensors().get(p + "mlp.gate_proj.weight"));
            assertSame(raw, w2 + l * d * ff, parsed.tensors().get(p + "mlp.down_proj.weight"));
            assertSame(raw, w3 + l * ff * d, parsed.tensors().get(p + "mlp.up_proj.weight"));
        }
        assertSame(raw, 0, parsed.tensors().get("model.embed_tokens.weight"));
        assertSame(raw, finalNorm, parsed.tensors().get("model.norm.weight"));
        // a known row: q_proj row 1 of layer 0 (head 0, j = 1, first half) is stored row 2
        float[] q0 = parsed.tensors().get("model.layers.0.self_attn.q_proj.weight").data();
        for (int col = 0; col < d; col++) {
            assertEquals(raw.get(wq + 2 * d + col), q0[d + col]);
            assertEquals(raw.get(wq + 3 * d + col), q0[5 * d + col]);
        }
    }

    @Test
    void storedRopeTablesAreTheAnglesThisLayoutAssumes() {
        HostTensor cos = parsed.ropeCos();
        HostTensor sin = parsed.ropeSin();
        assertArrayEquals(new long[] {512, 4}, cos.shape());
        assertArrayEquals(new long[] {512, 4}, sin.shape());
        double worst = 0;
        for (int pos = 0; pos < 512; pos++) {
            for (int j = 0; j < 4; j++) {
                double angle = pos * Math.pow(10000.0, -2.0 * j / 8);
                worst = Math.max(worst, Math.abs(cos.data()[pos * 4 + j] - Math.cos(angle)));
                worst = Math.max(worst, Math.abs(sin.data()[pos * 4 + j] - Math.sin(angle)));
            }
        }
        assertTrue(worst < 1e-5, "stored RoPE tables differ from cos/sin(pos*theta_j) by " + worst);
    }

    @Test
    void refusesATruncatedCheckpoint(@TempDir Path dir) throws IOException {
        byte[] full = Files.readAllBytes(bin);
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(full, full.length - 4));
        MalformedCheckpointException e = assertThrows(MalformedCheckpointException.class, () -> Llama2cCheckpoint.read(cut));
        assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains("1056536") && e.getMessage().contains("1056540"), e.getMessage());

        Path headerOnly = dir.resolve("header.bin");
        Files.write(headerOnly, Arrays.copyOf(full, 20));
        e = assertThrows(MalformedCheckpointException.class, () -> Llama2cCheckpoint.read(headerOnly));
        assertTrue(e.getMessage().contains(headerOnly.toString()) && e.getMessage().contains("header"), e.getMessage());
    }

    @Test
    void refusesATooLongCheckpointAndBadHeaders(@TempDir Path dir) throws IOException {
        byte[] full = Files.readAllBytes(bin);
        Path longer = dir.resolve("longer.bin");
        Files.write(longer, Arrays.copyOf(full, full.length + 8));
        MalformedCheckpointException e = assertThrows(MalformedCheckpointException.class, () -> Llama2cCheckpoint.read(longer));
        assertTrue(e.getMessage().contains(longer.toString()) && e.getMessage().contains("too long"), e.getMessage());

        byte[] negative = full.clone();
        ByteBuffer.wrap(negative).order(ByteOrder.LITTLE_ENDIAN).putInt(8, -5);   // n_layers
        Path bad = dir.resolve("negative.bin");
        Files.write(bad, negative);
        e = assertThrows(MalformedCheckpointException.class, () -> Llama2cCheckpoint.read(bad));
        assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("n_layers=-5"), e.getMessage());

        byte[] untied = full.clone();
        ByteBuffer.wrap(untied).order(ByteOrder.LITTLE_ENDIAN).putInt(20, -512);  // separate classifier expected
        Path missingClassifier = dir.resolve("untied.bin");
        Files.write(missingClassifier, untied);
        e = assertThrows(MalformedCheckpointException.class, () -> Llama2cCheckpoint.read(missingClassifier));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void readsASeparateClassifierWhenTheVocabularyIsNegative(@TempDir Path dir) throws IOException {
        byte[] full = Files.readAllBytes(bin);
        byte[] untied = Arrays.copyOf(full, full.length + 512 * 64 * 4);
        ByteBuffer b = ByteBuffer.wrap(untied).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(20, -512);
        for (int i = 0; i < 512 * 64; i++) {
            b.putFloat(full.length + 4 * i, i);
        }
        Path file = dir.resolve("untied.bin");
        Files.write(file, untied);
        Llama2cCheckpoint.Parsed p = Llama2cCheckpoint.read(file);
        assertFalse(p.config().tieWordEmbeddings());
        assertEquals(512, p.config().vocabSize());
        HostTensor head = p.tensors().get("lm_head.weight");
        assertArrayEquals(new long[] {512, 64}, head.shape());
        assertEquals(12345f, head.data()[12345]);
        assertArrayEquals(parsed.tensors().get("model.embed_tokens.weight").data(),
                p.tensors().get("model.embed_tokens.weight").data());
    }

    // ---- the model against run.c ------------------------------------------------------------------

    @Test
    void greedyGenerationReproducesEveryGolden() {
        Transformer m = model();
        for (JsonElement e : golden.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            String prompt = c.get("prompt").getAsString();
            int[] promptIds = ints(c.getAsJsonArray("prompt_ids"));
            int[] expected = ints(c.getAsJsonArray("generated_ids"));
            assertArrayEquals(promptIds, m.tokenizer().encode(prompt, true), prompt);
            int newTokens = STEPS - (promptIds.length - 1);
            assertEquals(c.get("num_generated").getAsInt(), newTokens, prompt);
            GenerationResult r = m.generate(new GenerationRequest(promptIds, newTokens, Sampling.GREEDY, false));
            assertArrayEquals(expected, r.generatedIds(), () -> prompt + ": " + firstDifference(expected, r.generatedIds()));
            assertEquals(c.get("completion_text").getAsString(), r.text(), prompt);
            int[] all = Arrays.copyOf(promptIds, promptIds.length + expected.length);
            System.arraycopy(expected, 0, all, promptIds.length, expected.length);
            assertEquals(c.get("decoded_text").getAsString(), m.tokenizer().decode(all), prompt);
        }
    }

    @Test
    void logitsAtTheLastPromptPositionMatchRunC() {
        JsonObject check = golden.getAsJsonObject("logits_check");
        int[] ids = ints(check.getAsJsonArray("prompt_ids"));
        int position = check.get("position").getAsInt();
        JsonArray expected = check.getAsJsonArray("all_logits");
        float[] logits;
        try (ForwardResult r = model().forward(ForwardRequest.of(List.of(ids)))) {
            assertArrayEquals(new long[] {1, ids.length, 512}, r.logits().getShape().getShape());
            logits = r.logits().get(0, position).toFloatArray();
        }
        assertEquals(expected.size(), logits.length);
        double worst = 0;
        int worstId = -1;
        for (int i = 0; i < logits.length; i++) {
            double diff = Math.abs(logits[i] - expected.get(i).getAsDouble());
            if (diff > worst) {
                worst = diff;
                worstId = i;
            }
        }
        System.out.printf("stories260K logits_check: max |difference| %.3g at id %d%n", worst, worstId);
        assertTrue(worst <= LOGIT_TOLERANCE, "logit of id " + worstId + " differs from run.c by " + worst);
        for (JsonElement e : check.getAsJsonArray("top10")) {
            JsonObject top = e.getAsJsonObject();
            assertEquals(top.get("piece").getAsString(), ((Llama2cTokenizer) model().tokenizer()).piece(top.get("id").getAsInt()));
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static FloatBuffer rawFloats() throws IOException {
        byte[] full = Files.readAllBytes(bin);
        return ByteBuffer.wrap(full, Llama2cCheckpoint.HEADER_BYTES, full.length - Llama2cCheckpoint.HEADER_BYTES)
                .slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    }

    /** Checks HF row {@code h*8 + j} = stored row {@code h*8 + 2j} and HF row {@code h*8 + 4 + j} = stored row {@code h*8 + 2j + 1}. */
    private static void assertPermuted(FloatBuffer raw, int offset, HostTensor hf, int heads) {
        int columns = (int) hf.shape()[1];
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < 4; j++) {
                for (int col = 0; col < columns; col++) {
                    assertEquals(raw.get(offset + (h * 8 + 2 * j) * columns + col), hf.data()[(h * 8 + j) * columns + col]);
                    assertEquals(raw.get(offset + (h * 8 + 2 * j + 1) * columns + col),
                            hf.data()[(h * 8 + 4 + j) * columns + col]);
                }
            }
        }
    }

    private static void assertSame(FloatBuffer raw, int offset, HostTensor t) {
        float[] stored = new float[t.data().length];
        raw.get(offset, stored);
        assertArrayEquals(stored, t.data());
    }

    private static void assertShape(Map<String, HostTensor> tensors, String name, long... shape) {
        HostTensor t = tensors.get(name);
        assertTrue(t != null, "missing " + name);
        assertArrayEquals(shape, t.shape(), name);
    }

    private static String firstDifference(int[] expected, int[] got) {
        for (int i = 0; i < Math.min(expected.length, got.length); i++) {
            if (expected[i] != got[i]) {
                return "first difference at generated token " + i + ": expected " + expected[i] + ", got " + got[i];
            }
        }
        return "lengths differ: expected " + expected.length + ", got " + got.length;
    }
}
