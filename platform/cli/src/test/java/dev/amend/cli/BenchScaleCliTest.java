package dev.amend.cli;

import static dev.amend.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

/** {@code bench scale}, {@code --dtype} and {@code --devices} as a user meets them: the JSON contract and bad input. */
class BenchScaleCliTest {

    private static JsonObject json(Object[] r) {
        String[] lines = ((String) r[1]).strip().split("\n");
        return JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
    }

    private static JsonObject scale(String dtype) {
        Object[] r = run("bench", "scale", "--shape", "gpt2-xl", "--blocks", "1", "--dtype", dtype, "--methods=",
                "--tokens", "16", "--decode", "2", "--json");
        assertEquals(0, r[0], (String) r[2]);
        return json(r);
    }

    @Test
    void bfloat16HoldsAtMostHalfTheBytesOfFloat32WithTheJsonFieldsTheIssueNames() {
        JsonObject f32 = scale("float32");
        JsonObject bf16 = scale("bfloat16");
        for (String field : new String[] {"shape", "blocks", "dtype", "device", "parameters", "resident_bytes",
            "prefill_tokens_per_second", "decode_tokens_per_second", "edits"}) {
            assertTrue(bf16.has(field), field + " in " + bf16);
        }
        assertEquals("gpt2-xl", bf16.get("shape").getAsString());
        assertEquals("bfloat16", bf16.get("dtype").getAsString());
        assertEquals("cpu", bf16.get("device").getAsString());
        assertEquals(f32.get("parameters").getAsLong(), bf16.get("parameters").getAsLong());
        assertEquals(4 * f32.get("parameters").getAsLong(), f32.get("resident_bytes").getAsLong());
        double ratio = bf16.get("resident_bytes").getAsDouble() / f32.get("resident_bytes").getAsDouble();
        assertTrue(ratio <= 0.55, "bfloat16 / float32 resident bytes = " + ratio);
        assertTrue(bf16.get("decode_tokens_per_second").getAsDouble() > 0);
    }

    @Test
    void badInputIsRefusedNamingWhatIsAccepted() {
        Object[] shape = run("bench", "scale", "--shape", "gpt3");
        assertEquals(2, shape[0]);
        assertTrue(((String) shape[2]).contains("use gpt2-xl, llama3-8b, qwen2.5-7b"), (String) shape[2]);
        Object[] dtype = run("bench", "scale", "--shape", "gpt2-xl", "--dtype", "int4");
        assertEquals(2, dtype[0]);
        assertTrue(((String) dtype[2]).contains("use float32, float16 or bfloat16"), (String) dtype[2]);
        Object[] device = run("bench", "scale", "--shape", "gpt2-xl", "--device", "tpu");
        assertEquals(2, device[0]);
        assertTrue(((String) device[2]).contains("use cpu or cuda:N"), (String) device[2]);
        Object[] method = run("bench", "scale", "--shape", "gpt2-xl", "--methods", "mend");
        assertEquals(2, method[0]);
        assertTrue(((String) method[2]).contains("rome, memit and alphaedit"), (String) method[2]);
        Object[] split = run("bench", "scale", "--shape", "gpt2-xl", "--blocks", "2", "--devices", "cpu,cpu,cpu",
                "--methods=");
        assertEquals(2, split[0]);
        assertTrue(((String) split[2]).contains("3 devices but the model has 2 blocks"), (String) split[2]);
        Object[] tooMany = run("generate", "--prompt", "x", "--devices", "cpu,cpu,cpu,cpu,cpu,cpu,cpu");
        assertEquals(2, tooMany[0]);
        assertTrue(((String) tooMany[2]).contains("7 devices but the model has 6 blocks"), (String) tooMany[2]);
    }

    @Test
    void theDemoModelAnswersTheSameInFloat16AndSplitOverTwoDeviceSlots() {
        for (String[] extra : new String[][] {{"--dtype", "float16"}, {"--dtype", "bfloat16"}, {"--devices", "cpu,cpu"}}) {
            Object[] r = run("generate", "--prompt", "The capital of France is", "--max-new-tokens", "3", "--json",
                    extra[0], extra[1]);
            assertEquals(0, r[0], (String) r[2]);
            assertTrue(json(r).get("text").getAsString().startsWith(" Paris"), String.join(" ", extra) + ": " + r[1]);
        }
    }
}
