package dev.amend.fuzz;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * Generated JSON bodies against the REST API of the packaged host: generations (valid ones too), edits and edit
 * jobs (each with a defect), and idempotency keys. No answer is a 5xx, none takes longer than
 * {@link FuzzedHost#LIMIT}, and after each property the weights have their base hash and no edit is applied.
 */
class RestFuzz {
    private final FuzzedHost host = FuzzedHost.get();

    @AfterProperty
    void weightsUnchanged() throws IOException, InterruptedException {
        WeightsCheck.unchanged(host);
    }

    @AfterContainer
    static void report() {
        FuzzInputs.print("the REST bodies");
    }

    @Provide
    Arbitrary<String> generationBodies() {
        Arbitrary<Object> tokens = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(0, 3).map(i -> (Object) i)),
                net.jqwik.api.Tuple.of(2, JsonValues.numbers()),
                net.jqwik.api.Tuple.of(1, JsonValues.scalars()));
        Arbitrary<Map<String, Object>> fields = Combinators.combine(JsonValues.scalars(), tokens,
                JsonValues.scalars(), JsonValues.scalars(), JsonValues.scalars(),
                JsonValues.mapsOver(List.of("prompt", "maxNewTokens", "temperature", "topK", "seed"), 2))
                .as((prompt, max, temperature, topK, seed, extra) -> {
                    Map<String, Object> b = new LinkedHashMap<>();
                    b.put("prompt", prompt);
                    b.put("maxNewTokens", max);
                    b.put("temperature", temperature);
                    b.put("topK", topK);
                    b.put("seed", seed);
                    b.putAll(extra);
                    return b;
                });
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, fields.map(RestFuzz::json)),
                net.jqwik.api.Tuple.of(1, JsonValues.values(3).map(RestFuzz::json)),
                net.jqwik.api.Tuple.of(1, JsonValues.strings()),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(0, 50, 5000).map(JsonValues::nested)));
    }

    @Property(tries = 2000, shrinking = ShrinkingMode.BOUNDED)
    void generationBodiesNeverFail(@ForAll("generationBodies") String body) throws Exception {
        FuzzInputs.count("REST generate bodies");
        HttpResponse<String> r = host.send("POST", "/api/v1/models/demo/generate", "application/json",
                body.getBytes(StandardCharsets.UTF_8), Map.of());
        Answers.check(r, body);
    }

    @Provide
    Arbitrary<String> editBodies() {
        return EditBodies.invalid(host.methods).map(RestFuzz::json);
    }

    @Property(tries = 2000, shrinking = ShrinkingMode.BOUNDED)
    void invalidEditsAreRefused(@ForAll("editBodies") String body, @ForAll("keys") String key) throws Exception {
        FuzzInputs.count("REST edit bodies");
        HttpResponse<String> r = host.send("POST", "/api/v1/models/demo/edits", "application/json",
                body.getBytes(StandardCharsets.UTF_8), key.isEmpty() ? Map.of() : Map.of("Idempotency-Key", key));
        Answers.refused(r, body);
    }

    @Provide
    Arbitrary<String> keys() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.just("")),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(250)));
    }

    @Provide
    Arbitrary<String> jobBodies() {
        return EditBodies.invalid(host.methods).map(b -> {
            Map<String, Object> job = new LinkedHashMap<>(b);
            job.put("model", "demo");
            return json(job);
        });
    }

    @Property(tries = 500, shrinking = ShrinkingMode.BOUNDED)
    void invalidJobsAreRefused(@ForAll("jobBodies") String body) throws Exception {
        FuzzInputs.count("REST job bodies");
        HttpResponse<String> r = host.send("POST", "/api/v1/jobs", "application/json",
                body.getBytes(StandardCharsets.UTF_8), Map.of());
        Answers.refused(r, body);
    }

    static String json(Object value) {
        try {
            return FuzzedHost.JSON.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
