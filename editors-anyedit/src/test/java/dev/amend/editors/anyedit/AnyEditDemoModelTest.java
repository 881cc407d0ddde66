package dev.amend.editors.anyedit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.amend.demo.DemoModel;
import dev.amend.demo.FactRecall;
import dev.amend.demo.corpus.Fact;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.kit.FixedWindowChunker;
import dev.amend.kit.TargetScoring;
import dev.amend.kit.TargetTokens;
import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.hparams.InvalidHyperparametersException;
import dev.amend.spi.model.GenerationRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * AnyEdit on the demo model: a long target written jointly through MEMIT's key-value insertion (the
 * model then generates it and keeps its unrelated facts), and sequentially through a plugin that only
 * offers the plain Editor contract, both resolved by name through the registry.
 */
class AnyEditDemoModelTest {
    static final String QUESTION = "What does Lillian Lawrence do for a living?";
    static final String ANSWER = " Lillian Lawrence has worked as a sailor for ten years and sailed the Atlantic.";

    static Transformer model;
    static EditorRegistry registry;
    static EditContext ctx;

    @BeforeAll
    static void load() {
        model = DemoModel.load(Device.cpu());
        registry = EditorRegistry.classPath();
        ctx = EditContext.defaults(AmendDirs.cache(), DemoModel.statisticsCorpus());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static EditRequest request() {
        return new EditRequest("What does Lillian Lawrence do for a {}", "living?", ANSWER, List.of());
    }

    static float[] weights() {
        List<Float> all = new ArrayList<>();
        float[] out = new float[0];
        for (int l = 0; l < model.architecture().layers(); l++) {
            float[] w = model.weight(model.architecture().editPoint(l).weight()).toFloatArray();
            float[] n = new float[out.length + w.length];
            System.arraycopy(out, 0, n, 0, out.length);
            System.arraycopy(w, 0, n, out.length, w.length);
            out = n;
        }
        return out;
    }

    static double tokenAccuracy(String prompt, String target) {
        return TargetScoring.score(model, List.of(prompt), List.of(target)).get(0).tokenAccuracy();
    }

    @Test
    void jointEditWritesTheLongTargetAndKeepsUnrelatedFacts() {
        EditorRegistry.Configured c = registry.configure("anyedit+memit", model.architecture(), Map.of(), "test");
        assertInstanceOf(AnyEditProvider.class, c.provider());
        FactCorpus corpus = FactCorpus.load();
        List<Fact> facts = new ArrayList<>(corpus.facts());
        Collections.shuffle(facts, new Random(3));
        facts = facts.subList(0, 30);
        List<Fact> known = new ArrayList<>();
        for (Fact f : facts) {
            if (FactRecall.measure(model, corpus, List.of(f)).trainTemplateAccuracy() == 1.0) {
                known.add(f);
            }
        }
        double before = tokenAccuracy(QUESTION, ANSWER);
        float[] w0 = weights();
        Edit edit = c.editor().computeEdit(model, List.of(request()), ctx);
        assertArrayEquals(w0, weights(), "computeEdit must leave the model unchanged");
        assertEquals("joint", edit.metadata().get("mode"));
        assertTrue(((List<?>) edit.metadata().get("chunks")).size() >= 2, edit.metadata().toString());
        edit.applyTo(model);
        try {
            double after = tokenAccuracy(QUESTION, ANSWER);
            assertTrue(after >= 0.8 && after > before + 0.5, "teacher-forced accuracy " + before + " → " + after);
            double kept = FactRecall.measure(model, corpus, known).trainTemplateAccuracy();
            assertTrue(kept >= 0.85, "specificity on " + known.size() + " unrelated facts: " + kept);
        } finally {
            edit.revertFrom(model);
        }
    }

    @Test
    void overlappingWindowsAreWholeChunksKeyedBeforeTheirOverlapAsInAnyEditsCode() {
        EditorRegistry.Configured c = registry.configure("anyedit+memit", model.architecture(),
                Map.of("window_size", 6, "overlap", 2, "v_num_grad_steps", 2), "test");
        Edit edit = c.editor().computeEdit(model, List.of(request()), ctx);
        int q = model.tokenizer().encode(QUESTION, true).length;
        int n = model.tokenizer().encodeContinuation(QUESTION, ANSWER).length;
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> chunks = (List<Map<String, Object>>) edit.metadata().get("chunks");
        assertEquals((n - 2 + 3) / 4, chunks.size(), "windows of 6 every 4 tokens until one reaches the end");
        for (int i = 0; i < chunks.size(); i++) {
            assertEquals(List.of(4 * i, Math.min(4 * i + 6, n)), chunks.get(i).get("tokens"), "chunk " + i);
            assertEquals(q + 4 * i - 1, chunks.get(i).get("key_position"), "the key is the token before chunk " + i);
        }
        assertEquals(0, edit.metadata().get("non_finite_steps"));
    }

    @Test
    void sequentialEditThroughAPluginWithOnlyThePlainEditorContract() {
        EditorRegistry.Configured c = registry.configure("anyedit+lasttoken", model.architecture(),
                Map.of("window_size", 1, "base", Map.of("layer", 3)), "test");
        double before = tokenAccuracy(QUESTION, ANSWER);
        float[] w0 = weights();
        Edit edit = c.editor().computeEdit(model, List.of(request()), ctx);
        assertArrayEquals(w0, weights(), "computeEdit must leave the model unchanged");
        assertEquals("sequential", edit.metadata().get("mode"));
        int chunks = ((List<?>) edit.metadata().get("chunks")).size();
        assertTrue(chunks >= 3, "chunks: " + chunks);
        assertEquals(chunks, edit.deltas().size(), "one plugin edit per chunk, all in one returned edit");
        assertEquals(AnyEditEditor.withoutBlankChunks(TargetTokens.of(model.tokenizer(), QUESTION, ANSWER),
                new FixedWindowChunker(1, 0).chunk(model.tokenizer(), QUESTION, ANSWER)).size(), chunks);
        assertEquals("anyedit+lasttoken", edit.method());
        edit.applyTo(model);
        double after;
        try {
            after = tokenAccuracy(QUESTION, ANSWER);
            // rank-one edits without covariance disturb each other: far below the joint mode, but clearly written
            assertTrue(after >= before + 0.2, "teacher-forced accuracy " + before + " → " + after);
        } finally {
            edit.revertFrom(model);
        }
        assertArrayEquals(w0, weights(), 1e-5f);
        System.out.println("sequential anyedit+lasttoken: teacher-forced accuracy " + before + " → " + after);
    }

    @Test
    void namesAndHyperparametersResolveWithClearErrors() {
        assertEquals(List.of("anyedit"), registry.decorators());
        AnyEditEditor joint = (AnyEditEditor) registry.configure("anyedit+alphaedit", model.architecture(), Map.of(),
                "test").editor();
        assertTrue(joint.joint());
        AnyEditEditor seq = (AnyEditEditor) registry.configure("AnyEdit+ROME", model.architecture(), Map.of(),
                "test").editor();
        assertFalse(seq.joint());
        assertThrows(InvalidRequestException.class, () -> registry.configure("anyedit+nosuch", model.architecture(),
                Map.of(), "test"));
        assertThrows(InvalidRequestException.class, () -> registry.configure("rome+memit", model.architecture(),
                Map.of(), "test"));
        assertThrows(InvalidRequestException.class, () -> registry.configure("anyedit", model.architecture(),
                Map.of(), "test"));
        assertThrows(InvalidHyperparametersException.class, () -> registry.configure("anyedit+memit",
                model.architecture(), Map.of("window_size", 0), "test"));
        assertThrows(InvalidHyperparametersException.class, () -> registry.configure("anyedit+memit",
                model.architecture(), Map.of("base", Map.of("layers", List.of(9))), "test"));
        assertThrows(InvalidRequestException.class, () -> registry.configure("anyedit+rome", model.architecture(),
                Map.of("mode", "joint"), "test").editor().computeEdit(model, List.of(request()), ctx));
        String tooLong = " word".repeat(300);
        assertThrows(InvalidRequestException.class, () -> registry.configure("anyedit+memit", model.architecture(),
                Map.of(), "test").editor().computeEdit(model,
                List.of(new EditRequest("What does Lillian Lawrence do for a {}", "living?", tooLong, List.of())), ctx));
    }

    @Test
    void chunkRequestsPutTheKeyTokenAtTheSubject() {
        EditRequest r = AnyEditEditor.chunkRequest("Q: what is {} in code? A: the map", " is empty");
        assertEquals("Q: what is { } in code? A: the {}", r.prompt());
        assertEquals("map", r.subject());
        assertEquals(" is empty", r.target());
        assertEquals("x = 1\n{}\n", AnyEditEditor.chunkRequest("x = 1\nfoo\n", "bar").prompt());
    }

    static int[] greedy(String prompt, int n) {
        return model.generate(GenerationRequest.greedy(model.tokenizer().encode(prompt, true), n)).generatedIds();
    }
}
