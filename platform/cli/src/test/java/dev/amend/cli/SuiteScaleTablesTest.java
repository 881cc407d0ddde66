package dev.amend.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scale and linear algebra tables rendered from the JSON answers of {@code bench scale} and {@code bench linalg}. */
class SuiteScaleTablesTest {
    private static SuiteSection.Run run(String json) {
        return new SuiteSection.Run("./amend bench x --json", "abc1234", 2, "2026-01-01T00:00Z", 10,
                JsonParser.parseString(json).getAsJsonObject());
    }

    @Test
    void scaleGivesTheMemoryRatioAndEachMethodsSplit() {
        SuiteSection s = SuiteSections.all().stream().filter(x -> x.name().equals("scale")).findFirst().orElseThrow();
        String table = s.renderer().render(s, Map.of("gpt2-xl-bfloat16", run("""
                {"shape":"gpt2-xl","blocks":18,"dtype":"bfloat16","parameters":612000000,
                 "parameter_bytes":1224000000,"resident_bytes":1230120000,"prefill_tokens_per_second":250.5,
                 "decode_tokens_per_second":3.25,"matmul_gflops":80.0,"statistics_tokens":12800,
                 "edits":{"memit":{"layers":[13,14,15,16,17],"statistics_seconds":100.0,"optimisation_seconds":20.0,
                 "solve_seconds":3.5,"projector_seconds":0.0,"total_seconds":124.0}}}""")));
        assertTrue(table.contains("| gpt2-xl | bfloat16 | 18 | 0.61B | 1.15 | 1.005 | 250.5 | 3.25 | 80.0 |"), table);
        assertTrue(table.contains("| gpt2-xl | bfloat16 | memit | [13,14,15,16,17] | 100.0 (12800) | 20.0 | 3.5 | 0.0 "
                + "| 124.0 |"), table);
        assertTrue(table.contains("| `gpt2-xl float32` | not measured yet |"), table);
    }

    @Test
    void linalgGivesRatiosToTheMatmul() {
        SuiteSection s = SuiteSections.all().stream().filter(x -> x.name().equals("linalg")).findFirst().orElseThrow();
        String table = s.renderer().render(s, Map.of("linalg", run("""
                {"device":"cpu()","results":[{"n":1024,"path":"java","solve_seconds":0.5,"projector_seconds":2.0,
                 "matmul_seconds":0.25}]}""")));
        assertTrue(table.contains("| 1024 | java | 0.50 | 2.00 | 0.250 | 2.0 | 8.0 |"), table);
        assertTrue(List.of(table.split("\n")).stream().anyMatch(l -> l.contains("./amend bench linalg --json")
                && l.contains("commit abc1234, 2 cores")), table);
    }
}
