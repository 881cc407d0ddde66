package dev.amend.kit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.spi.InvalidRequestException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Context templates in MEMIT's groups: the grouped mean, and templates without exactly one {} refused. */
class TemplateGroupsTest {
    @Test
    void theMeanIsTakenWithinEachGroupThenOverTheGroups() {
        TemplateGroups g = new TemplateGroups(List.of(List.of("{}"), List.of("A. {}", "B. {}", "C. {}")));
        assertEquals(List.of("{}", "A. {}", "B. {}", "C. {}"), g.flat());
        assertArrayEquals(new int[] {1, 3}, g.sizes());
        double[][] v = {{4, 0}, {0, 3}, {0, 6}, {3, 0}};
        // (bare + mean of the three) / 2: the bare prompt weighs ½
        assertArrayEquals(new double[] {2.5, 1.5}, g.groupedMean(v), 1e-12);
        assertArrayEquals(new double[] {1.75, 2.25}, TemplateGroups.single(g.flat()).groupedMean(v), 1e-12);
    }

    @Test
    void aTemplateWithoutThePlaceholderIsRefusedSayingWhichAndHowToFixIt() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> new TemplateGroups(List.of(List.of("{}"), List.of("A text.", "Two {} and {}."))));
        assertTrue(e.getMessage().contains("context_templates[1][0] \"A text.\" must hold {} exactly once"),
                e.getMessage());
        assertTrue(e.getMessage().contains("context_templates[1][1]"), e.getMessage());
        assertEquals(1, TemplateGroups.problems(List.of(List.of())).size());
        assertEquals(1, TemplateGroups.problems(List.of()).size());
        assertEquals(List.of(), TemplateGroups.problems(List.of(List.of("{}", "Some text. {}"))));
    }
}
