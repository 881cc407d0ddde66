package dev.amend.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.amend.demo.DemoModel;
import dev.amend.runtime.SharedFixtures;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.Editor;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.model.EditableModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The long-form bench's short questions and MQuAKE-CF's cases of several rewrites, on the demo model. */
class LongFormBenchTest {
    static final Transformer MODEL = DemoModel.load(Device.cpu());
    static final LongFormBench.Options SHORT = new LongFormBench.Options(Integer.MAX_VALUE, 16, 16, 8, 16);

    @TempDir
    Path cache;

    @AfterAll
    static void close() {
        MODEL.close();
    }

    /** An editor that changes nothing and records how many earlier edits each call is given as history. */
    static final class HistoryRecorder implements Editor {
        final List<Integer> historySizes = new ArrayList<>();

        @Override
        public Edit computeEdit(EditableModel model, List<EditRequest> requests, EditContext context) {
            historySizes.add(context.history().size());
            return new Unedited().computeEdit(model, requests, context);
        }
    }

    private EditContext context() {
        return new EditContext(1, ProgressListener.NONE, () -> false, cache, null, List.of());
    }

    @Test
    void theRewritesOfACaseAccumulateAndItsMultiHopQuestionsFollowTheLast() {
        List<LongFormItem> items = LongFormItem.read(SharedFixtures.require("benchmarks").resolve("mquake-cf-dev.json"))
                .items();
        int first = 0;
        while (items.get(first).multiHop().rewrites() != 2) {
            first++;
        }
        List<LongFormItem> picked = items.subList(first, first + 3);
        HistoryRecorder editor = new HistoryRecorder();
        LongFormBench.Report r = LongFormBench.run(MODEL, "recorder", editor, picked, context(), SHORT, null, null);
        assertEquals(List.of(0, 1, 0), editor.historySizes, "the second rewrite sees the first; a new case starts afresh");
        assertTrue(r.results().get(0).asked().isEmpty(), "no multi-hop questions before the case's last rewrite");
        assertEquals(3, r.results().get(1).asked().size());
        assertTrue(r.results().get(1).asked().stream().allMatch(a -> a.kind().equals("multihop")));
        assertTrue(r.results().get(1).metrics().containsKey("multihop_new_answer_rate"));
        assertTrue(r.results().get(1).metrics().containsKey("multihop_old_answer_rate"));
        assertTrue(!r.results().get(0).metrics().containsKey("multihop_new_answer_rate"));
    }

    @Test
    void unkeSubQuestionsAreAskedAfterEachEdit() {
        LongFormItem item = LongFormItem.read(SharedFixtures.require("benchmarks").resolve("unke-dev.json")).items().get(0);
        LongFormBench.Report r = LongFormBench.run(MODEL, "none", new Unedited(), List.of(item), context(), SHORT, null,
                null);
        List<ShortAnswers.Asked> asked = r.results().get(0).asked();
        assertEquals(item.subQuestions().size(), asked.size());
        assertTrue(asked.stream().allMatch(a -> a.kind().equals("sub_question") && !a.generation().isEmpty()));
        Map<String, Double> means = r.means();
        assertEquals(ShortAnswers.means(asked).get("sub_question_answer_rate"), means.get("sub_question_answer_rate"));
        double recall = means.get("sub_question_rougeL_recall");
        assertTrue(recall >= 0 && recall <= 1, "recall " + recall);
    }
}
