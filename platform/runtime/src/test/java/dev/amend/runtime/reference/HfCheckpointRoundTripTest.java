package dev.amend.runtime.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amend.runtime.io.HfCheckpoints;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.reference.RandomCheckpoints.Checkpoint;
import dev.amend.runtime.safetensors.HostTensor;
import dev.amend.runtime.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Writing and reloading Hugging Face checkpoints: plain and sharded round trips give bit-identical
 * logits, and half-precision (F16, BF16) files load as exactly the values their bits denote.
 */
class HfCheckpointRoundTripTest {
    private static final Pattern SHARD = Pattern.compile("model-(\\d{5})-of-(\\d{5})\\.safetensors");

    @TempDir
    Path tmp;

    /** A Llama config with GQA, an untied head and llama3 rope scaling: every kind of weight and field. */
    private static JsonObject llamaConfig() {
        JsonObject c = RandomCheckpoints.llamaConfig("llama", 80, 32, 64, 2, 4, 2);
        c.add("rope_scaling", RandomCheckpoints.llama3Scaling(8.0, 1.0, 4.0, 32));
        c.addProperty("rope_theta", 500.0);
        return c;
    }

    static JsonObject configOf(String family) {
        return switch (family) {
            case "gpt2" -> RandomCheckpoints.gpt2Config(96, 32, 2, 4, 32, null);
            case "llama" -> llamaConfig();
            case "qwen2" -> {
                JsonObject c = RandomCheckpoints.llamaConfig("qwen2", 100, 48, 96, 2, 6, 2);
                c.addProperty("tie_word_embeddings", true);
                yield c;
            }
            default -> throw new IllegalArgumentException(family);
        };
    }

    private static List<int[]> batch(int vocab) {
        Random rnd = new Random(5);
        return List.of(RandomCheckpoints.randomIds(rnd, 11, vocab), RandomCheckpoints.randomIds(rnd, 6, vocab));
    }

    // ---------------------------------------------------------------------------------------------
    // (a) write + reload
    // ---------------------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({"gpt2", "llama", "qwen2"})
    void writeThenReloadGivesIdenticalWeightsAndLogits(String family) throws Exception {
        Checkpoint ck = RandomCheckpoints.write(tmp.resolve("src"), configOf(family), 101);
        Path out = tmp.resolve("written");
        List<int[]> seqs = batch(ck.vocab());
        float[] before;
        Map<String, float[]> weightsBefore;
        try (Transformer model = HfCheckpoints.load(ck.dir())) {
            before = logits(model, seqs);
            weightsBefore = allWeights(model);
            HfCheckpoints.write(model, out);
        }
        assertTrue(Files.isRegularFile(out.resolve("config.json")), "config.json written");
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")), "model.safetensors written");
        JsonObject written = readJson(out.resolve("config.json"));
        assertEquals(family, written.get("model_type").getAsString(), "model_type kept");
        assertEquals(ck.vocab(), written.get("vocab_size").getAsInt(), "vocab_size kept");
        try (Transformer model = HfCheckpoints.load(out)) {
            Map<String, float[]> weightsAfter = allWeights(model);
            assertEquals(weightsBefore.keySet(), weightsAfter.keySet(), "weight names");
            for (String name : weightsBefore.keySet()) {
                assertArrayEquals(weightsBefore.get(name), weightsAfter.get(name), name);
            }
            assertArrayEquals(before, logits(model, seqs), "logits after write + reload");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // (b) sharded write + reload
    // ---------------------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({"gpt2", "llama"})
    void shardedWriteThenReloadGivesIdenticalLogits(String family) throws Exception {
        Checkpoint ck = RandomCheckpoints.write(tmp.resolve("src"), configOf(family), 102);
        long total = 0;
        long largest = 0;
        for (HostTensor t : ck.weights().values()) {
            total += 4L * t.data().length;
            largest = Math.max(largest, 4L * t.data().length);
        }
        long maxShard = Math.max(largest, total / 5);
        Path plain = tmp.resolve("plain");
        Path sharded = tmp.resolve("sharded");
        try (Transformer model = HfCheckpoints.load(ck.dir())) {
            HfCheckpoints.write(model, plain);
            HfCheckpoints.write(model, sharded, maxShard);
        }

        // the files: model-0000i-of-0000N.safetensors, i = 1..N, N >= 3, each at most maxShard of data
        Set<String> shardFiles = new HashSet<>();
        int declared = -1;
        try (Stream<Path> files = Files.list(sharded)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Matcher m = SHARD.matcher(p.getFileName().toString());
                if (m.matches()) {
                    shardFiles.add(p.getFileName().toString());
                    int n = Integer.parseInt(m.group(2));
                    assertTrue(declared == -1 || declared == n, "shards disagree on their count: " + p);
                    declared = n;
                }
            }
        }
        assertTrue(shardFiles.size() >= 3, "expected >= 3 shards for " + total + " bytes at " + maxShard
                + " per shard, got " + shardFiles);
        assertEquals(declared, shardFiles.size(), "number of shard files");
        assertFalse(Files.exists(sharded.resolve("model.safetensors")), "no unsharded file beside the shards");

        // the index maps every weight to an existing shard
        JsonObject index = readJson(sharded.resolve("model.safetensors.index.json"));
        JsonObject map = index.getAsJsonObject("weight_map");
        Set<String> mappedFiles = new HashSet<>();
        for (Map.Entry<String, JsonElement> e : map.entrySet()) {
            mappedFiles.add(e.getValue().getAsString());
        }
        assertEquals(shardFiles, mappedFiles, "weight_map names exactly the shard files");

        try (Transformer a = HfCheckpoints.load(plain); Transformer b = HfCheckpoints.load(sharded)) {
            assertEquals(ck.weights().keySet(), map.keySet(),
                    "weight_map names exactly the checkpoint's weights");
            assertArrayEquals(logits(a, batch(ck.vocab())), logits(b, batch(ck.vocab())),
                    "sharded and unsharded logits");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // (c) half precision on disk
    // ---------------------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({"gpt2, F16", "gpt2, BF16", "llama, F16", "llama, BF16", "qwen2, BF16"})
    void halfPrecisionCheckpointLoadsAsTheValuesItsBitsDenote(String family, String dtype) throws Exception {
        JsonObject config = configOf(family);
        config.addProperty("torch_dtype", dtype.equals("F16") ? "float16" : "bfloat16");
        Map<String, HostTensor> random = RandomCheckpoints.randomWeights(config, new Random(103));
        // encode every weight to 16 bits, and decode the bits independently to the values they denote
        Map<String, short[]> bits = new TreeMap<>();
        Map<String, HostTensor> widened = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : random.entrySet()) {
            float[] f = e.getValue().data();
            short[] h = new short[f.length];
            float[] w = new float[f.length];
            for (int i = 0; i < f.length; i++) {
                h[i] = dtype.equals("F16") ? toF16(f[i]) : toBf16(f[i]);
                w[i] = dtype.equals("F16") ? fromF16(h[i]) : fromBf16(h[i]);
            }
            bits.put(e.getKey(), h);
            widened.put(e.getKey(), new HostTensor(e.getValue().shape(), w));
        }
        Path dir = tmp.resolve(family + "-" + dtype);
        RandomCheckpoints.writeConfig(dir, config);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        random.forEach((k, v) -> shapes.put(k, v.shape()));
        writeHalfSafetensors(dir.resolve("model.safetensors"), dtype, shapes, bits);

        try (Transformer model = HfCheckpoints.load(dir)) {
            assertTrue(model.weightNames().containsAll(widened.keySet()), "weight names " + model.weightNames());
            assertEquals(dtype.equals("F16") ? "float16" : "bfloat16", model.architecture().dtype(),
                    "architecture dtype");
            for (Map.Entry<String, HostTensor> e : widened.entrySet()) {
                NDArray wt = model.weight(e.getKey());
                assertArrayEquals(e.getValue().shape(), wt.getShape().getShape(), e.getKey() + " shape");
                float[] got = wt.getDataType() == DataType.FLOAT32 ? wt.toFloatArray()
                        : wt.toType(DataType.FLOAT32, true).toFloatArray();
                assertArrayEquals(e.getValue().data(), got, e.getKey() + ": values of the " + dtype + " bits");
            }
            List<int[]> seqs = batch(config.get("vocab_size").getAsInt());
            int v = config.get("vocab_size").getAsInt();
            for (int[] ids : seqs) {
                float[] got = ReferenceForwardTest.logits(model, List.of(ids), ids.length, v);
                double[][] want = ReferenceTransformer.logits(config, widened, ids);
                double d = ReferenceForwardTest.maxDiff(family + " " + dtype, want, got, 0, ids.length, v,
                        ReferenceForwardTest.TOLERANCE);
                System.out.printf("[reference] %-28s max|runtime - reference| = %.3e%n",
                        family + " from " + dtype, d);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // GPT-2 as published (openai-community/gpt2): no "transformer." prefix, causal-mask buffers stored
    // ---------------------------------------------------------------------------------------------

    @Test
    void gpt2PublishedLayoutWithoutPrefixAndWithMaskBuffersLoads() throws Exception {
        JsonObject config = configOf("gpt2");
        Checkpoint ck = RandomCheckpoints.write(tmp.resolve("prefixed"), config, 104);
        int positions = config.get("n_positions").getAsInt();
        Map<String, HostTensor> published = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : ck.weights().entrySet()) {
            published.put(e.getKey().substring("transformer.".length()), e.getValue());
        }
        float[] mask = new float[positions * positions];
        for (int i = 0; i < positions; i++) {
            for (int j = 0; j <= i; j++) {
                mask[i * positions + j] = 1f;
            }
        }
        for (int l = 0; l < config.get("n_layer").getAsInt(); l++) {
            published.put("h." + l + ".attn.bias", HostTensor.of(mask, 1, 1, positions, positions));
        }
        Path dir = tmp.resolve("published");
        RandomCheckpoints.writeConfig(dir, config);
        SafetensorsWriter.write(dir.resolve("model.safetensors"), published, Map.of());
        try (Transformer a = HfCheckpoints.load(ck.dir()); Transformer b = HfCheckpoints.load(dir)) {
            assertArrayEquals(logits(a, batch(ck.vocab())), logits(b, batch(ck.vocab())),
                    "logits of the published layout and the prefixed one");
        }
    }

    // ---------------------------------------------------------------------------------------------

    private static float[] logits(Transformer model, List<int[]> seqs) {
        int t = 0;
        for (int[] s : seqs) {
            t = Math.max(t, s.length);
        }
        return ReferenceForwardTest.logits(model, seqs, t, model.architecture().vocabSize());
    }

    private static Map<String, float[]> allWeights(Transformer model) {
        Map<String, float[]> w = new TreeMap<>();
        for (String name : model.weightNames()) {
            NDArray a = model.weight(name);
            w.put(name, a.getDataType() == DataType.FLOAT32 ? a.toFloatArray()
                    : a.toType(DataType.FLOAT32, true).toFloatArray());
        }
        return w;
    }

    private static JsonObject readJson(Path p) throws IOException {
        return JsonParser.parseString(Files.readString(p, StandardCharsets.UTF_8)).getAsJsonObject();
    }

    /**
     * Writes a safetensors file of 16-bit tensors by hand: 8-byte little-endian header length, the
     * JSON header (padded with spaces to a multiple of 8), then the little-endian data in header order.
     */
    static void writeHalfSafetensors(Path file, String dtype, Map<String, long[]> shapes,
                                     Map<String, short[]> bits) throws IOException {
        JsonObject header = new JsonObject();
        JsonObject meta = new JsonObject();
        meta.addProperty("format", "pt");
        header.add("__metadata__", meta);
        long offset = 0;
        for (Map.Entry<String, short[]> e : bits.entrySet()) {
            JsonObject t = new JsonObject();
            t.addProperty("dtype", dtype);
            JsonArray shape = new JsonArray();
            for (long s : shapes.get(e.getKey())) {
                shape.add(s);
            }
            t.add("shape", shape);
            JsonArray offs = new JsonArray();
            offs.add(offset);
            offs.add(offset + 2L * e.getValue().length);
            t.add("data_offsets", offs);
            header.add(e.getKey(), t);
            offset += 2L * e.getValue().length;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(8 + padded + offset)).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) {
            buf.put((byte) ' ');
        }
        for (short[] h : bits.values()) {
            for (short s : h) {
                buf.putShort(s);
            }
        }
        Files.write(file, buf.array());
    }

    // Half-precision encodings written here from the IEEE/bfloat16 definitions, independent of the runtime.

    /** IEEE binary16 bits of {@code f}, mantissa truncated (any bit pattern is a valid test value). */
    static short toF16(float f) {
        int sign = f < 0 || (f == 0 && 1 / f < 0) ? 0x8000 : 0;
        double a = Math.abs(f);
        if (a < 0x1p-14) {                                   // subnormal: a = m * 2^-24
            return (short) (sign | (int) (a / 0x1p-24));
        }
        int e = Math.getExponent(a);                         // a = (1 + m/1024) * 2^e, |e| <= 15 here
        if (e > 15) {
            throw new IllegalArgumentException(f + " overflows float16");
        }
        int m = (int) ((a / Math.scalb(1.0, e) - 1) * 1024);
        return (short) (sign | ((e + 15) << 10) | m);
    }

    /** The value IEEE binary16 bits {@code h} denote (finite values only). */
    static float fromF16(short h) {
        int sign = (h >> 15) & 1;
        int e = (h >> 10) & 0x1F;
        int m = h & 0x3FF;
        double v = e == 0 ? m * 0x1p-24 : (1 + m / 1024.0) * Math.scalb(1.0, e - 15);
        return (float) (sign == 1 ? -v : v);
    }

    /** bfloat16 bits of {@code f}: its upper 16 bits (truncation). */
    static short toBf16(float f) {
        return (short) (Float.floatToRawIntBits(f) >>> 16);
    }

    /** The value bfloat16 bits {@code h} denote. */
    static float fromBf16(short h) {
        return Float.intBitsToFloat((h & 0xFFFF) << 16);
    }
}
