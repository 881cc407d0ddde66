package dev.amend.runtime.editing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.amend.runtime.model.CharTokenizer;
import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.Editor;
import dev.amend.spi.Evaluator;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.Score;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.EditableModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline's single-edit trial on a tiny model: answers before and after, scores, restore or keep. */
class EditSessionTest {
    @TempDir
    Path cache;

    /** An editor whose edit is a large rank-one change of layer 1's MLP output, so that answers change. */
    private static final Editor RANK_ONE = (model, requests, ctx) -> {
        EditPoint p = model.architecture().editPoint(1);
        Random r = new Random(11);
        float[] u = new float[p.outFeatures()];
        float[] v = new float[p.inFeatures()];
        for (int i = 0; i < u.length; i++) {
            u[i] = (float) (3 * r.nextGaussian());
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (3 * r.nextGaussian());
        }
        return new Edit("rank-one", "1", requests, Map.of(), List.of("{}"),
                List.of(new WeightDelta.LowRank(p.weight(), p.outFeatures(), p.inFeatures(), 1, u, v)),
                Map.of("seconds_insertion", 0.5));
    };

    /** Scores how many cases' answers now differ from their true target (the answer before the edit). */
    private static final Evaluator CHANGED = new Evaluator() {
        @Override
        public String protocol() {
            return "changed-answer";
        }

        @Override
        public List<Score> evaluate(EditableModel model, List<EvaluationCase> cases) {
            long changed = cases.stream()
                    .filter(c -> !Answers.of(model, c.request().filledPrompt()).equals(c.trueTarget())).count();
            return List.of(new Score("changed", protocol(), (double) changed / cases.size(), cases.size()));
        }
    };

    private EditContext context(boolean cancelled) {
        return new EditContext(0, ProgressListener.NONE, () -> cancelled, cache, null, List.of());
    }

    private static List<EvaluationCase> cases(Transformer m) {
        return EditLimits.DEFAULTS.check(List.of(new EditFact("the capital of {} is", "france", " rome", null, null)),
                m, m.name());
    }

    @Test
    void answersScoresAndRestoresUnlessKept() {
        try (Transformer m = TinyModels.random(TinyModels.gpt2(), 2, CharTokenizer.INSTANCE)) {
            String weight = m.architecture().editPoint(1).weight();
            float[] base = m.weight(weight).toFloatArray();
            EditSession session = new EditSession(m, RANK_ONE, List.of(CHANGED));
            Baseline before = session.before(cases(m), List.of("b is"));
            assertEquals(List.of(Answers.of(m, "the capital of france is")), before.answers());
            assertEquals(before.answers().get(0), before.cases().get(0).trueTarget());
            try (EditTrial trial = session.trial(before, context(false))) {
                assertNotEquals(before.answers(), trial.after(), "the edit changed the answer");
                assertEquals(List.of(new Score("changed", "changed-answer", 1.0, 1)), trial.scores());
                assertEquals(Map.of("insertion", 0.5), EditTimings.of(trial.edit()));
                assertFalse(java.util.Arrays.equals(base, m.weight(weight).toFloatArray()));
            }
            assertArrayEquals(base, m.weight(weight).toFloatArray(), "closing the trial restored the weights");
            try (EditTrial trial = session.trial(session.before(cases(m), List.of()), context(false))) {
                trial.keep();
            }
            try (Transformer copy = TinyModels.random(TinyModels.gpt2(), 2, CharTokenizer.INSTANCE);
                 AppliedEdits expected = AppliedEdits.of(copy, RANK_ONE.computeEdit(copy, List.of(), context(false)))) {
                assertArrayEquals(copy.weight(weight).toFloatArray(), m.weight(weight).toFloatArray(), "kept, once");
            }
        }
    }

    @Test
    void aFailureOrCancellationOnTheWayLeavesTheModelAsItWas() {
        Evaluator failing = new Evaluator() {
            @Override
            public String protocol() {
                return "failing";
            }

            @Override
            public List<Score> evaluate(EditableModel model, List<EvaluationCase> cases) {
                throw new IllegalStateException("the evaluator failed");
            }
        };
        try (Transformer m = TinyModels.random(TinyModels.gpt2(), 3, CharTokenizer.INSTANCE)) {
            String weight = m.architecture().editPoint(1).weight();
            float[] base = m.weight(weight).toFloatArray();
            EditSession session = new EditSession(m, RANK_ONE, List.of(failing));
            Baseline before = session.before(cases(m), List.of());
            assertThrows(IllegalStateException.class, () -> session.trial(before, context(false)));
            assertArrayEquals(base, m.weight(weight).toFloatArray());
            assertThrows(CancellationException.class, () -> session.trial(before, context(true)));
            assertArrayEquals(base, m.weight(weight).toFloatArray());
        }
    }
}
