package dev.amend.runtime.editing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.amend.spi.edit.Score;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The info the pipeline stores with an edit, and what other writers stored, read back typed. */
class EditInfoTest {
    @Test
    void writesBeforeAfterScoresThenTheExtrasAndReadsThemBack() {
        EditInfo info = new EditInfo(List.of(" Paris", " Berlin"), List.of(" Rome", " Berlin"),
                List.of(new Score("efficacy", "counterfact-probability", 0.5, 2)), Map.of("seed", 1L));
        Map<String, Object> stored = info.toMap();
        assertEquals(List.of("before", "after", "scores", "seed"), List.copyOf(stored.keySet()));
        assertEquals(List.of(Map.of("metric", "efficacy", "protocol", "counterfact-probability", "value", 0.5,
                "count", 2)), stored.get("scores"));
        assertEquals(info, EditInfo.of(stored));
    }

    @Test
    void readsWhatEarlierWritersStored() {
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("scores", List.of(Map.of("metric", "fluency", "protocol", "ngram-entropy", "value", "NaN",
                "count", 0)));
        host.put("seed", 0);
        EditInfo h = EditInfo.of(host);
        assertEquals(List.of(new Score("fluency", "ngram-entropy", Double.NaN, 0)), h.scores());
        assertEquals(Map.of("seed", 0), h.extra());
        Map<String, Object> cli = Map.of("before", " Paris", "after", " Rome",
                "scores", Map.of("counterfact-probability/efficacy", 1.0));
        EditInfo c = EditInfo.of(cli);
        assertEquals(List.of(" Paris"), c.before());
        assertEquals(List.of(" Rome"), c.after());
        assertEquals(List.of(new Score("efficacy", "counterfact-probability", 1.0, 0)), c.scores());
        assertEquals(List.of(), EditInfo.of(Map.of("scores", Map.of("efficacy", 1.0))).scores(), "no protocol");
    }
}
