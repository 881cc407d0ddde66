package dev.amend.fuzz;

import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.editing.HyperparameterFiles;
import dev.amend.runtime.safetensors.SafetensorsFile;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.ModelArchitecture;
import dev.amend.spi.model.WeightLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Generated files for the readers the host and the CLI share: safetensors headers (lengths, dtypes, shapes,
 * offsets, metadata) and hyperparameter files (YAML and JSON, bound to every installed method). Each input is read
 * or refused with the readers' own error (an {@link InvalidRequestException} naming the problem) within
 * {@link #LIMIT_SECONDS} seconds; any other exception or a longer read fails the property.
 */
class FileFuzz {
    static final int LIMIT_SECONDS = 10;
    private static final ExecutorService READER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fuzz-reader");
        t.setDaemon(true);
        return t;
    });
    private static final ModelArchitecture ARCH = architecture();
    private static final EditorRegistry EDITORS = EditorRegistry.classPath();

    @AfterContainer
    static void report() {
        FuzzInputs.print("the files");
    }

    static ModelArchitecture architecture() {
        List<EditPoint> points = new ArrayList<>();
        for (int l = 0; l < 6; l++) {
            points.add(new EditPoint(l, "transformer.h." + l + ".mlp.c_proj", "transformer.h." + l
                    + ".mlp.c_proj.weight", WeightLayout.IN_OUT, 1024, 256));
        }
        return new ModelArchitecture("gpt2", 6, 256, 1024, 4096, 256, 7_000_000, "float32", points);
    }

    /** Runs {@code read}; throws unless it ends within the limit, normally or with an InvalidRequestException. */
    static void readsOrRefuses(Callable<?> read, String input) throws Exception {
        Future<?> f = READER.submit(read);
        try {
            f.get(LIMIT_SECONDS, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            f.cancel(true);
            throw new AssertionError("reading took over " + LIMIT_SECONDS + " s: " + Answers.abbreviated(input));
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof InvalidRequestException)) {
                throw new AssertionError("not refused with a message but " + e.getCause() + " for "
                        + Answers.abbreviated(input), e.getCause());
            }
        }
    }

    @Provide
    Arbitrary<Map<String, Object>> tensorEntries() {
        Arbitrary<Object> dtype = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, Arbitraries.of("F32", "F16", "BF16", "I64", "I32", "f32").map(d -> (Object) d)),
                net.jqwik.api.Tuple.of(1, JsonValues.scalars()));
        Arbitrary<Object> dims = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(0, 8).list().ofMaxSize(3)
                        .map(l -> (Object) l)),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs().list().ofMaxSize(4).map(l -> (Object) l)),
                net.jqwik.api.Tuple.of(1, JsonValues.values(2)));
        Arbitrary<Object> offsets = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(0, 300).list().ofSize(2).map(l -> (Object) l)),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs().list().ofMaxSize(3).map(l -> (Object) l)),
                net.jqwik.api.Tuple.of(1, JsonValues.values(2)));
        Arbitrary<Map<String, Object>> entry = Combinators.combine(dtype, dims, offsets).as((d, s, o) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("dtype", d);
            m.put("shape", s);
            m.put("data_offsets", o);
            return m;
        });
        return Arbitraries.maps(Arbitraries.of("w", "b", "__metadata__", "x.weight", ""), entry).ofMaxSize(4)
                .map(LinkedHashMap::new);
    }

    @Property(tries = 1500, shrinking = ShrinkingMode.BOUNDED)
    void safetensorsHeadersAreReadOrRefused(@ForAll("tensorEntries") Map<String, Object> header,
                                            @ForAll("lengthChanges") long lengthChange,
                                            @ForAll("dataSizes") int dataBytes) throws Exception {
        FuzzInputs.count("safetensors headers");
        byte[] json = RestFuzz.json(header).getBytes(StandardCharsets.UTF_8);
        ByteBuffer file = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(lengthChange == 0 ? json.length : json.length + lengthChange).put(json);
        Path path = Files.createTempFile("fuzz", ".safetensors");
        try {
            Files.write(path, file.array());
            readsOrRefuses(() -> {
                try (SafetensorsFile f = SafetensorsFile.open(path)) {
                    return f.tensors().size();
                }
            }, new String(json, StandardCharsets.UTF_8) + " (length " + lengthChange + ", data " + dataBytes + ")");
        } finally {
            Files.deleteIfExists(path);
        }
    }

    @Provide
    Arbitrary<Long> lengthChanges() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.just(0L)),
                net.jqwik.api.Tuple.of(1, Arbitraries.longs().between(-10, 10)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, 1L << 31, -8L)));
    }

    @Provide
    Arbitrary<Integer> dataSizes() {
        return Arbitraries.integers().between(0, 300);
    }

    @Provide
    Arbitrary<String> hparamFiles() {
        Arbitrary<Map<String, Object>> values = JsonValues.mapsOver(EditBodies.HPARAM_KEYS, 5);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, values.map(m -> "json:" + RestFuzz.json(m))),
                net.jqwik.api.Tuple.of(4, values.map(m -> "yaml:" + yaml(m))),
                net.jqwik.api.Tuple.of(1, JsonValues.strings().map(s -> "yaml:" + s)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("yaml:a: &x [*x]", "yaml:v_lr: .nan", "yaml:v_lr: .inf",
                        "yaml:" + "[".repeat(10_000), "json:" + "[".repeat(10_000), "yaml:layers: !!java.io.File /",
                        "yaml:a: &a [x]\nb: &b [*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c]")));
    }

    @Property(tries = 1500, shrinking = ShrinkingMode.BOUNDED)
    void hyperparameterFilesAreBoundOrRefused(@ForAll("hparamFiles") String file) throws Exception {
        FuzzInputs.count("hyperparameter files");
        boolean json = file.startsWith("json:");
        String text = file.substring(5);
        for (String method : EDITORS.editors().keySet()) {
            readsOrRefuses(() -> {
                Map<String, Object> values = json ? HyperparameterFiles.parseJson("fuzz.json", text)
                        : HyperparameterFiles.parseYaml("fuzz.yaml", text);
                return EDITORS.configure(method, ARCH, values, "fuzz");
            }, method + " " + file);
        }
    }

    private static String yaml(Map<String, Object> m) {
        return new org.yaml.snakeyaml.Yaml().dump(m);
    }
}
