package dev.amend.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amend.demo.DemoModel;
import dev.amend.kit.WeightSnapshot;
import dev.amend.runtime.editing.Answers;
import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.io.Devices;
import dev.amend.runtime.llama2c.Llama2cCheckpoint;
import dev.amend.runtime.model.Precision;
import dev.amend.runtime.model.Residency;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.model.GenerationRequest;
import dev.amend.spi.model.Sampling;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * What {@code scripts/gpu-check} runs on one device, in one JVM, printing one JSON summary: the stories260K goldens
 * token for token (float32, and float16 beside it), {@code bench forward}, {@code bench linalg} (noted as absent when
 * this build has no such command), {@code bench scale} for gpt2-xl and llama3-8b in bfloat16, and one edit of the demo
 * model with each method. A step that fails is recorded with its error and the others still run.
 *
 * <p>Usage: {@code GpuCheck --device cuda:0|cpu [--shared DIR] [--quick]}. {@code --quick} (the default on cpu) cuts
 * the sizes so the whole check fits a few minutes on a small CPU: bench linalg at 1,024 and 2,048, bench scale of
 * gpt2-xl with 2 blocks, MEMIT only and T = 8,192, of llama3-8b with 1 block and no edit.
 */
public final class GpuCheck {
    private GpuCheck() {
    }

    /** Runs the check with {@code args} and exits 0 when every step passed. */
    public static void main(String[] args) throws Exception {
        String device = "cuda:0";
        Path shared = Path.of(System.getProperty("amend.home", "."), "..", "shared");
        Boolean quick = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--device" -> device = args[++i];
                case "--shared" -> shared = Path.of(args[++i]);
                case "--quick" -> quick = true;
                case "--full" -> quick = false;
                default -> throw new IllegalArgumentException("gpu-check takes --device D, --shared DIR, --quick or"
                        + " --full, not " + args[i]);
            }
        }
        boolean small = quick != null ? quick : !device.startsWith("cuda");
        long t0 = System.nanoTime();
        Map<String, Object> checks = new LinkedHashMap<>();
        String d = device;
        Path fixture = shared.resolve("fixtures/stories260K");
        checks.put("goldens", step(() -> goldens(fixture, d)));
        checks.put("bench_forward", step(() -> cli("bench", "forward", "--device", d, "--json")));
        checks.put("bench_linalg", step(() -> linalg(d, small)));
        Map<String, Object> scale = new LinkedHashMap<>();
        for (String shape : List.of("gpt2-xl", "llama3-8b")) {
            List<String> a = new ArrayList<>(List.of("bench", "scale", "--shape", shape, "--dtype", "bfloat16",
                    "--device", d, "--json"));
            if (small && shape.equals("gpt2-xl")) {
                a.addAll(List.of("--blocks", "2", "--methods", "memit", "--statistics-tokens", "8192", "--tokens",
                        "32", "--decode", "4"));
            } else if (small) {       // a solve at 14,336 takes minutes on a small CPU: memory and throughput only
                a.addAll(List.of("--blocks", "1", "--methods=", "--tokens", "32", "--decode", "4"));
            }
            scale.put(shape, step(() -> cli(a.toArray(String[]::new))));
        }
        checks.put("bench_scale", scale);
        checks.put("edits", step(() -> edits(d)));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("device", device);
        summary.put("natives", Devices.nativeFlavor());
        summary.put("sizes", small ? "quick" : "full");
        summary.put("seconds", (System.nanoTime() - t0) / 1e9);
        boolean passed = passed(checks);
        summary.put("passed", passed);
        summary.put("checks", checks);
        System.out.println(Json.of(summary));
        System.exit(passed ? 0 : 1);
    }

    /** Returns {@code work}'s result with its time, or the error it threw. */
    private static Map<String, Object> step(Callable<Object> work) {
        Map<String, Object> out = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        try {
            out.put("result", work.call());
            out.put("ok", true);
        } catch (Exception | Error e) {
            out.put("ok", false);
            out.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        out.put("seconds", (System.nanoTime() - t0) / 1e9);
        return out;
    }

    private static boolean passed(Object node) {
        if (node instanceof Map<?, ?> m) {
            if (Boolean.FALSE.equals(m.get("ok"))) {
                return false;
            }
            return m.values().stream().allMatch(GpuCheck::passed);
        }
        return true;
    }

    /** Returns the JSON a CLI command printed, or throws with what it printed on failure. */
    private static Object cli(String... args) {
        CapturedRun r = CapturedRun.of(args);
        if (r.code() != 0) {
            throw new IllegalStateException("./amend " + String.join(" ", args) + " exited " + r.code() + ": "
                    + r.err().strip());
        }
        String text = r.out().strip();
        String last = text.substring(text.lastIndexOf('\n') + 1);
        return new com.google.gson.Gson().fromJson(JsonParser.parseString(last), Object.class);
    }

    private static Object linalg(String device, boolean small) {
        boolean present = AmendCli.commandLine().getSubcommands().get("bench").getSubcommands().containsKey("linalg");
        if (!present) {
            return Map.of("skipped", "this build has no bench linalg command (it comes with the linear algebra on the"
                    + " model's device); nothing was measured");
        }
        List<String> a = new ArrayList<>(List.of("bench", "linalg", "--device", device, "--json"));
        if (small) {
            a.addAll(List.of("--sizes", "1024,2048"));
        }
        return cli(a.toArray(String[]::new));
    }

    /** Returns how the stories260K goldens come out on {@code device}; throws when float32 misses a token. */
    private static Object goldens(Path fixture, String device) throws Exception {
        JsonObject golden = JsonParser.parseString(Files.readString(fixture.resolve("golden.json"))).getAsJsonObject();
        Map<String, Object> out = new LinkedHashMap<>();
        for (Precision p : List.of(Precision.FLOAT32, Precision.FLOAT16)) {
            int exact = 0;
            List<String> differing = new ArrayList<>();
            try (Transformer m = Llama2cCheckpoint.load(fixture.resolve("stories260K.bin"),
                    fixture.resolve("tok512.bin"), Residency.of(p, Devices.parse(device)))) {
                for (JsonElement c : golden.getAsJsonArray("cases")) {
                    JsonObject cs = c.getAsJsonObject();
                    int[] prompt = ints(cs, "prompt_ids");
                    int[] want = ints(cs, "generated_ids");
                    int[] got = m.generate(new GenerationRequest(prompt, 64 - (prompt.length - 1), Sampling.GREEDY,
                            false)).generatedIds();
                    if (Arrays.equals(want, got)) {
                        exact++;
                    } else {
                        differing.add(cs.get("prompt").getAsString());
                    }
                }
            }
            out.put(p.id(), Map.of("token_exact", exact, "of", golden.getAsJsonArray("cases").size(),
                    "differing", differing));
            if (p == Precision.FLOAT32 && !differing.isEmpty()) {
                throw new IllegalStateException("float32 goldens differ on " + device + ": " + differing);
            }
        }
        return out;
    }

    private static int[] ints(JsonObject o, String key) {
        return o.getAsJsonArray(key).asList().stream().mapToInt(JsonElement::getAsInt).toArray();
    }

    /** Returns, per method, one edit of the demo model on {@code device}: its time and the answer after it. */
    private static Object edits(String device) {
        EditorRegistry registry = EditorRegistry.classPath();
        Map<String, Object> out = new LinkedHashMap<>();
        EditRequest request = EditRequest.of("The capital of {} is", "France", " Rome");
        try (Transformer model = DemoModel.load(Residency.of(Devices.parse(device)))) {
            for (String method : List.of("rome", "memit", "alphaedit", "mend", "anyedit+memit")) {
                out.put(method, step(() -> {
                    long t0 = System.nanoTime();
                    Edit edit = registry.configure(method, model.architecture(), Map.of(), "defaults").editor()
                            .computeEdit(model, List.of(request),
                                    EditContext.defaults(AmendDirs.cache(), DemoModel.statisticsCorpus()));
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    try (WeightSnapshot base = WeightSnapshot.of(model,
                            edit.deltas().stream().map(x -> x.weight()).distinct().toList())) {
                        edit.applyTo(model);
                        String answer = Answers.of(model, "The capital of France is");
                        base.restore();
                        return Map.of("edit_seconds", seconds, "answer_after", answer.strip());
                    }
                }));
            }
        }
        return out;
    }
}
