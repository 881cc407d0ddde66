package dev.amend.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The mean and spread over seeds. */
class SeedSpreadTest {
    @Test
    void meanSampleStandardDeviationMinAndMax() {
        SeedSpread s = SeedSpread.of(List.of(0.8, 0.9, 1.0));
        assertEquals(0.9, s.mean(), 1e-12);
        assertEquals(0.1, s.std(), 1e-12, "divisor n - 1: sqrt((0.01 + 0 + 0.01) / 2)");
        assertEquals(0.8, s.min());
        assertEquals(1.0, s.max());
        assertEquals(3, s.seeds());
        assertEquals(0.0, SeedSpread.of(List.of(0.5)).std(), "one seed has no spread");
    }

    @Test
    void missingValuesAreLeftOut() {
        SeedSpread s = SeedSpread.of(Arrays.asList(0.2, Double.NaN, null, 0.4));
        assertEquals(0.3, s.mean(), 1e-12);
        assertEquals(2, s.seeds());
        assertTrue(Double.isNaN(SeedSpread.of(List.of(Double.NaN)).mean()));
        Map<String, SeedSpread> byKey = SeedSpread.byKey(List.of(Map.of("a", 1.0, "b", 2.0), Map.of("a", 3.0)));
        assertEquals(2.0, byKey.get("a").mean());
        assertEquals(1, byKey.get("b").seeds(), "a key one run lacks counts as missing there");
    }
}
