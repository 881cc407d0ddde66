package dev.amend.runtime;

import ai.djl.Device;
import ai.djl.ndarray.index.NDIndex;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.amend.runtime.llama2c.Llama2cCheckpoint;
import dev.amend.runtime.model.Residency;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.GenerationRequest;
import dev.amend.spi.model.Sampling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** The stories260K fixture for editors' tests: the model, its goldens, and text sampled from it. */
public final class Stories260k {
    /** A golden greedy generation of llama2.c's run.c. */
    public record Golden(String prompt, int[] promptIds, int[] generatedIds) {
        /** Returns true when {@code model} still generates exactly this golden (run.c's 64 positions). */
        public boolean reproducedBy(Transformer model) {
            int[] got = model.generate(new GenerationRequest(promptIds, 64 - (promptIds.length - 1), Sampling.GREEDY,
                    false)).generatedIds();
            return Arrays.equals(generatedIds, got);
        }
    }

    private Stories260k() {
    }

    /** Returns the model with its tokenizer, or skips the test when ../shared is absent. */
    public static Transformer load() {
        return load(Residency.of(Device.cpu()));
    }

    /** Returns the model held as {@code residency} says, or skips the test when ../shared is absent. */
    public static Transformer load(Residency residency) {
        Path dir = SharedFixtures.require("fixtures/stories260K");
        return Llama2cCheckpoint.load(dir.resolve("stories260K.bin"), dir.resolve("tok512.bin"), residency);
    }

    /** Returns the goldens of golden.json. */
    public static List<Golden> goldens() throws IOException {
        Path dir = SharedFixtures.require("fixtures/stories260K");
        JsonObject golden = JsonParser.parseString(Files.readString(dir.resolve("golden.json"))).getAsJsonObject();
        List<Golden> out = new ArrayList<>();
        for (JsonElement c : golden.getAsJsonArray("cases")) {
            JsonObject cs = c.getAsJsonObject();
            out.add(new Golden(cs.get("prompt").getAsString(), ints(cs.getAsJsonArray("prompt_ids")),
                    ints(cs.getAsJsonArray("generated_ids"))));
        }
        return out;
    }

    /**
     * Returns the prompts of the goldens other than "Once upon a time" (the one the editors' tests rename the girl
     * in) that {@code model} no longer reproduces; there are four such unrelated goldens.
     */
    public static List<String> unrelatedGoldensChanged(Transformer model) throws IOException {
        List<String> changed = new ArrayList<>();
        for (Golden g : goldens()) {
            if (!g.prompt().equals("Once upon a time") && !g.reproducedBy(model)) {
                changed.add(g.prompt());
            }
        }
        return changed;
    }

    /** Samples {@code n} stories of {@code length} tokens from "Once", all rows in one batch per step (seeded). */
    public static List<String> sampleStories(Transformer model, int n, int length, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] start = model.tokenizer().encode("Once", true);
        List<int[]> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(start.clone());
        }
        int v = model.architecture().vocabSize();
        for (int step = 0; step < length; step++) {
            try (ForwardResult r = model.forward(ForwardRequest.of(rows))) {
                long t = r.logits().getShape().get(1);
                float[] last = r.logits().get(new NDIndex(":, {}, :", t - 1)).softmax(-1).toFloatArray();
                for (int i = 0; i < n; i++) {
                    double u = random.nextDouble();
                    int pick = v - 1;
                    for (int k = 0; k < v; k++) {
                        u -= last[i * v + k];
                        if (u <= 0) {
                            pick = k;
                            break;
                        }
                    }
                    int[] row = Arrays.copyOf(rows.get(i), rows.get(i).length + 1);
                    row[row.length - 1] = pick;
                    rows.set(i, row);
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (int[] row : rows) {
            out.add(model.tokenizer().decode(row));
        }
        return out;
    }

    private static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }
}
