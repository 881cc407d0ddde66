package dev.amend.runtime.kit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.index.NDIndex;
import dev.amend.runtime.editing.LayerLocators;
import dev.amend.runtime.model.CharTokenizer;
import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.LayerLocator;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.LayerChoice;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The causal layer locator, found by ServiceLoader, on a tiny random model. */
class CausalLocatorTest {
    static final Transformer MODEL = TinyModels.random(TinyModels.gpt2(), 21, CharTokenizer.INSTANCE);
    /** Ends in a space, so a one-character target is one token (no space is put before it). */
    static final String PROMPT = "the home of {} is ";

    @AfterAll
    static void close() {
        MODEL.close();
    }

    /** Returns "{prompt} → the character (not the space) the model finds likeliest after it" for each subject. */
    private static List<EditRequest> knownFacts(String... subjects) {
        List<EditRequest> out = new ArrayList<>();
        for (String s : subjects) {
            int[] ids = CharTokenizer.INSTANCE.encode(PROMPT.replace("{}", s), false);
            try (ForwardResult r = MODEL.forward(ForwardRequest.of(List.of(ids)))) {
                float[] p = r.logits().get(new NDIndex("0, -1, :")).toFloatArray();
                int best = 4; // ids 4..63 are the characters after the space: a target is never blank
                for (int i = 4; i < 64; i++) {
                    best = p[i] > p[best] ? i : best;
                }
                out.add(new EditRequest(PROMPT, s, CharTokenizer.INSTANCE.decode(new int[] {best}),
                        List.of()));
            }
        }
        return out;
    }

    @Test
    void theCausalLocatorChoosesThePeakOfTheAveragedMlpEffectAtTheSubjectsLastToken() {
        LayerLocator locator = LayerLocators.named("causal");
        List<EditRequest> facts = new ArrayList<>(knownFacts("bob", "ann", "kim"));
        facts.add(EditRequest.of(PROMPT, "carl", leastLikely()));
        LayerChoice c = locator.locate(MODEL, facts, 2, 4, ProgressListener.NONE);
        assertEquals(3, c.facts());
        assertEquals(1, c.skipped().size(), "the fact the model does not know is left out");
        double[][] mlp = c.evidence().get("mlp");
        assertEquals(3, mlp.length);
        int row = c.rows().indexOf(c.factToken());
        for (double[] layer : mlp) {
            assertTrue(layer[row] <= mlp[c.layer()][row], "layer " + c.layer() + " is the peak at " + c.factToken());
        }
        assertEquals(2, c.range().size());
        assertEquals(c.range().get(0) + 1, (int) c.range().get(1));
        assertTrue(c.reasoning().stream().anyMatch(r -> r.contains("ROME edits layer " + c.layer())), c.reasoning()
                .toString());
        InvalidRequestException none = assertThrows(InvalidRequestException.class, () -> locator.locate(
                MODEL, List.of(EditRequest.of(PROMPT, "carl", leastLikely())), 2, 4,
                ProgressListener.NONE));
        assertTrue(none.getMessage().contains("knows none"), none.getMessage());
    }

    private static String leastLikely() {
        int[] ids = CharTokenizer.INSTANCE.encode(PROMPT.replace("{}", "carl"), false);
        try (ForwardResult r = MODEL.forward(ForwardRequest.of(List.of(ids)))) {
            float[] p = r.logits().get(new NDIndex("0, -1, :")).softmax(-1).toFloatArray();
            int worst = 3;
            for (int i = 3; i < 64; i++) {
                worst = p[i] < p[worst] ? i : worst;
            }
            return CharTokenizer.INSTANCE.decode(new int[] {worst});
        }
    }
}
