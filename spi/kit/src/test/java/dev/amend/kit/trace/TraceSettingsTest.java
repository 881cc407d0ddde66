package dev.amend.kit.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The default restoration window: ROME's 10 on deep models, an odd window centred on its layer below 30 layers. */
class TraceSettingsTest {

    @Test
    void defaultWindowIsRomesTenOnDeepModelsAndOddBelow() {
        int[] depths = {1, 2, 5, 6, 9, 12, 15, 24, 28, 29, 30, 48};
        int[] windows = {1, 1, 1, 1, 3, 3, 5, 7, 9, 9, 10, 10};
        for (int i = 0; i < depths.length; i++) {
            assertEquals(windows[i], TraceSettings.defaultWindow(depths[i]), depths[i] + " layers");
        }
        assertEquals(4, new TraceSettings(10, 3, 4, 1, Double.NaN).windowFor(6), "a window set is kept");
        assertEquals(6, new TraceSettings(10, 3, 10, 1, Double.NaN).windowFor(6), "but not past the depth");
    }

    @Test
    void anOddWindowIsCentredAndAnEvenOneLeansBelow() {
        assertArrayEquals(new int[] {1, 4}, TraceSettings.windowAround(2, 3, 6));
        assertArrayEquals(new int[] {2, 3}, TraceSettings.windowAround(2, 1, 6));
        assertArrayEquals(new int[] {1, 3}, TraceSettings.windowAround(2, 2, 6));
        assertArrayEquals(new int[] {0, 1}, TraceSettings.windowAround(0, 2, 6), "cut at the bottom");
        assertArrayEquals(new int[] {12, 22}, TraceSettings.windowAround(17, 10, 48), "ROME's window around 17");
    }
}
