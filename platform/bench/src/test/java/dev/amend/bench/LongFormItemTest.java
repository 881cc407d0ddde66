package dev.amend.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.SharedFixtures;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.EditRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark files of ../shared/benchmarks are read in their three formats. */
class LongFormItemTest {
    @Test
    void readsUnkeEditEverythingAndMquake() {
        Path dir = SharedFixtures.require("benchmarks");
        LongFormItem.Dataset unke = LongFormItem.read(dir.resolve("unke-dev.json"));
        assertEquals(LongFormItem.Format.UNKE, unke.format());
        assertEquals(100, unke.items().size());
        assertTrue(unke.items().stream().allMatch(i -> i.paraphrase() != null && i.category() == null));
        LongFormItem.Dataset ee = LongFormItem.read(dir.resolve("editevery-dev.json"));
        assertEquals(LongFormItem.Format.EDIT_EVERYTHING, ee.format());
        assertEquals(70, ee.items().size());
        List<LongFormItem> rr = LongFormItem.interleaveCategories(ee.items());
        assertEquals(7, rr.subList(0, 7).stream().map(LongFormItem::category).distinct().count(),
                "the first 7 items cover the 7 categories");
        LongFormItem.Dataset mq = LongFormItem.read(dir.resolve("mquake-cf-dev.json"));
        assertEquals(LongFormItem.Format.MQUAKE_CF, mq.format());
        assertTrue(mq.items().size() >= 100);
        LongFormItem first = mq.items().get(0);
        assertEquals("Who founded Universal Motown Records?", first.question());
        assertEquals("Universal Motown Records", first.subject());
        assertTrue(first.answer().startsWith("Abraham Kuyper, a Dutch journalist"));
        assertEquals(5, unke.items().get(0).subQuestions().size());
        assertEquals(List.of("For the past 10 years."), unke.items().get(0).subQuestions().get(0).answers());
        assertTrue(unke.items().stream().allMatch(i -> !i.subQuestions().isEmpty() && i.multiHop() == null));
        assertEquals("774", first.multiHop().caseId());
        assertEquals(3, first.multiHop().questions().size());
        assertEquals(List.of("Kingdom of Hawaiʻi", "Hawaiian Kingdom", "Kingdom of Hawaii"), first.multiHop().newAnswers());
        assertEquals("United States of America", first.multiHop().oldAnswers().get(0));
        assertEquals("774", first.splitKey());
        long lastRewrites = mq.items().stream().filter(i -> i.multiHop().last()).count();
        assertEquals(100, lastRewrites, "one last rewrite per case");
        assertTrue(ee.items().stream().allMatch(i -> i.subQuestions().isEmpty() && i.multiHop() == null));
        for (LongFormItem i : List.of(unke.items().get(0), ee.items().get(0), first)) {
            EditRequest r = new EditRequest(i.promptTemplate(), i.subject(), i.answer(), List.of());
            assertEquals(i.question(), r.filledPrompt());
        }
    }

    @Test
    void refusesUnknownFormats(@TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("x.json");
        Files.writeString(f, "[{\"prompt\": \"a\"}]");
        assertThrows(InvalidRequestException.class, () -> LongFormItem.read(f));
        Files.writeString(f, "{}");
        assertThrows(InvalidRequestException.class, () -> LongFormItem.read(f));
    }
}
