package dev.amend.editors.grace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.amend.spi.edit.Adapter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The published merge and split rules, replayed in order. */
class CodebookTest {
    private static Adapter entry(float x, float value, double eps, String label, String expand) {
        return CodebookKind.entry(0, new float[] {x, 0}, new float[] {value}, eps, label, expand);
    }

    @Test
    void aFarKeyAddsAnEntry() {
        Codebook c = Codebook.of(List.of(entry(0, 1, 1.0, " Paris", "coverage"), entry(5, 2, 1.0, " Rome", "coverage")));
        assertEquals(2, c.size());
        assertArrayEquals(new double[] {1.0, 1.0}, c.radii());
    }

    @Test
    void aNearKeyWithAnotherLabelSplitsBothRadiiInHalf() {
        Codebook c = Codebook.of(List.of(entry(0, 1, 1.0, " Paris", "coverage"), entry(1.5f, 2, 1.0, " Rome",
                "coverage")));
        assertEquals(2, c.size());
        assertEquals(0.75 - 1e-5, c.radii()[0], 1e-12);
        assertEquals(0.75, c.radii()[1], 1e-12);
        assertEquals(List.of(" Paris", " Rome"), c.labels());
    }

    @Test
    void aNearKeyWithTheSameLabelWidensTheNearestEntryAndTakesItsValue() {
        Codebook c = Codebook.of(List.of(entry(0, 1, 1.0, " Paris", "coverage"), entry(1.5f, 2, 1.0, " Paris",
                "coverage")));
        assertEquals(1, c.size());
        assertArrayEquals(new double[] {1.5}, c.radii());
        assertArrayEquals(new float[] {2}, c.valueMatrix());
        assertArrayEquals(new double[] {0, 0}, c.keyMatrix());
        Codebook moved = Codebook.of(List.of(entry(0, 1, 1.0, " Paris", "moving_average"),
                entry(1.5f, 2, 1.0, " Paris", "moving_average")));
        assertArrayEquals(new double[] {0.75, 0}, moved.keyMatrix());
        assertArrayEquals(new double[] {1.5}, moved.radii());
    }

    @Test
    void theSameKeyWithAnotherLabelIsTakenOverByTheNewerEdit() {
        Codebook c = Codebook.of(List.of(entry(0, 1, 1.0, " Paris", "coverage"), entry(0, 2, 1.0, " Rome",
                "coverage")));
        assertEquals(1, c.size());
        assertEquals(List.of(" Rome"), c.labels());
        assertArrayEquals(new float[] {2}, c.valueMatrix());
        assertArrayEquals(new double[] {1.0}, c.radii());
    }

    @Test
    void removingAnEntryRebuildsAsIfItHadNeverBeenMade() {
        Adapter a = entry(0, 1, 1.0, " Paris", "coverage");
        Adapter b = entry(1.5f, 2, 1.0, " Rome", "coverage");
        Adapter c = entry(3f, 3, 1.0, " Oslo", "coverage");
        Codebook without = Codebook.of(List.of(a, c));
        assertEquals(2, without.size());
        assertArrayEquals(new double[] {1.0, 1.0}, without.radii());
        Codebook all = Codebook.of(List.of(a, b, c));
        assertEquals(3, all.size());
    }
}
