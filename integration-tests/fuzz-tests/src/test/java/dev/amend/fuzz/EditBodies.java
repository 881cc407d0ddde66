package dev.amend.fuzz;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Edit requests as JSON maps: a random method, random facts and random hyperparameters over the keys the methods
 * know, plus always one defect that must get the request refused (so no generated edit runs for seconds, and every
 * answer must be a 4xx that leaves the weights as they were).
 */
final class EditBodies {
    /** Hyperparameter keys of the installed methods, and a few that are not. */
    static final List<String> HPARAM_KEYS = List.of("layers", "v_num_grad_steps", "v_lr", "v_weight_decay",
            "clamp_norm_factor", "kl_factor", "early_stop_loss", "mom2_update_weight", "fact_token", "editor_path",
            "archive", "inner_params", "edit_lr", "null_space_threshold", "chunk_size", "context_template_length_params",
            "original_key");

    private EditBodies() {
    }

    /** Returns one defect: a change that makes any edit request invalid, whatever else it holds. */
    static Arbitrary<UnaryOperator<Map<String, Object>>> defects() {
        return Arbitraries.of(
                b -> with(b, "method", "zz-no-such-method"),
                b -> with(b, "requests", List.of()),
                b -> without(b, "requests"),
                b -> without(b, "method"),
                b -> withFact(b, "target", "   "),
                b -> withFact(b, "target", 5),
                b -> withFact(b, "prompt", "a prompt without the subject"),
                b -> withFact(b, "prompt", "x".repeat(4001) + " {}"),
                b -> withFact(b, "subject", ""),
                b -> withHparam(b, "zz_unknown_key", 1),
                b -> withHparam(b, "early_stop_loss", "NaN"),
                b -> withHparam(b, "layers", List.of(99)),
                b -> withHparam(b, "v_num_grad_steps", 0),
                b -> withHparam(b, "editor_path", "/etc"),
                b -> with(b, "seed", "seven"),
                b -> with(b, "evaluators", List.of("zz-no-such-evaluator")),
                b -> with(b, "requests", Collections.nCopies(65, fact("The capital of {} is", "France", " Rome"))),
                b -> with(b, "zz_unknown_field", true),
                b -> with(b, "hparams", List.of(1, 2)));
    }

    /** Returns edit bodies, each with one defect from {@link #defects()} over random content. */
    static Arbitrary<Map<String, Object>> invalid(List<String> methods) {
        Arbitrary<Object> method = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, Arbitraries.of(methods).map(m -> (Object) m)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("anyedit+rome", "anyedit+memit", "ROME", " rome ")
                        .map(m -> (Object) m)),
                net.jqwik.api.Tuple.of(1, JsonValues.scalars()));
        Arbitrary<Map<String, Object>> facts = JsonValues.mapsOver(List.of("prompt", "subject", "target",
                "paraphrases", "neighbourhood"), 6);
        Arbitrary<Object> requests = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.just((Object) List.of(fact("The capital of {} is", "France",
                        " Rome")))),
                net.jqwik.api.Tuple.of(2, facts.list().ofMaxSize(3).map(l -> (Object) new ArrayList<>(l))),
                net.jqwik.api.Tuple.of(1, JsonValues.values(2)));
        Arbitrary<Map<String, Object>> hparams = JsonValues.mapsOver(HPARAM_KEYS, 4);
        return Combinators.combine(method, requests, hparams, JsonValues.values(1), defects())
                .as((m, r, h, evaluators, defect) -> {
                    Map<String, Object> b = new LinkedHashMap<>();
                    b.put("method", m);
                    b.put("requests", r);
                    b.put("hparams", h);
                    b.put("evaluators", evaluators instanceof List<?> ? evaluators : List.of());
                    return defect.apply(b);
                });
    }

    static Map<String, Object> fact(String prompt, String subject, String target) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("prompt", prompt);
        f.put("subject", subject);
        f.put("target", target);
        return f;
    }

    private static Map<String, Object> with(Map<String, Object> b, String key, Object value) {
        Map<String, Object> out = new LinkedHashMap<>(b);
        out.put(key, value);
        return out;
    }

    private static Map<String, Object> without(Map<String, Object> b, String key) {
        Map<String, Object> out = new LinkedHashMap<>(b);
        out.remove(key);
        return out;
    }

    private static Map<String, Object> withFact(Map<String, Object> b, String key, Object value) {
        Map<String, Object> f = fact("The capital of {} is", "France", " Rome");
        f.put(key, value);
        return with(b, "requests", List.of(f));
    }

    private static Map<String, Object> withHparam(Map<String, Object> b, String key, Object value) {
        Map<String, Object> h = new HashMap<>(b.get("hparams") instanceof Map<?, ?> m ? castMap(m) : Map.of());
        h.put(key, value);
        return with(with(b, "hparams", h), "requests", List.of(fact("The capital of {} is", "France", " Rome")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }
}
