package dev.amend.spi.edit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdapterTest {

    @Test
    void equalityComparesTheStateByValue() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("key", new float[] {1, 2, 3});
        state.put("radius", 0.5);
        state.put("nested", List.of(Map.of("v", new float[] {4})));
        Adapter a = new Adapter("a1", "grace-codebook", 2, state);
        Map<String, Object> copy = new LinkedHashMap<>();
        copy.put("key", new float[] {1, 2, 3});
        copy.put("radius", 0.5);
        copy.put("nested", List.of(Map.of("v", new float[] {4})));
        assertEquals(a, new Adapter("a1", "grace-codebook", 2, copy));
        assertEquals(a.hashCode(), new Adapter("a1", "grace-codebook", 2, copy).hashCode());
        copy.put("key", new float[] {1, 2, 4});
        assertNotEquals(a, new Adapter("a1", "grace-codebook", 2, copy));
        assertNotEquals(a, new Adapter("a2", "grace-codebook", 2, state));
        assertEquals(4, a.storedFloats());
    }

    @Test
    void freshIdsDifferAndBadKindsAreRefused() {
        Adapter a = Adapter.of("side-memory", 0, Map.of());
        Adapter b = Adapter.of("side-memory", 0, Map.of());
        assertNotEquals(a.id(), b.id());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Adapter.of("Grace Codebook", 0, Map.of()));
        assertTrue(e.getMessage().contains("lower-case"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Adapter.of("grace", -1, Map.of()));
    }

    @Test
    void typedAccessorsNameWhatIsMissing() {
        Adapter a = Adapter.of("grace-codebook", 1, Map.of("label", " Paris", "radius", 2));
        assertEquals(" Paris", a.text("label"));
        assertEquals(2.0, a.number("radius"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.floats("key"));
        assertTrue(e.getMessage().contains("\"key\""), e.getMessage());
    }

    @Test
    void anEditWithoutAdaptersKeepsTheSevenFieldConstructor() {
        Edit e = new Edit("m", "1", List.of(), Map.of(), List.of(), List.of(), Map.of());
        assertEquals(List.of(), e.adapters());
        Edit withAdapter = new Edit("m", "1", List.of(), Map.of(), List.of(), List.of(), Map.of(),
                List.of(Adapter.of("k", 0, Map.of("v", new float[3]))));
        assertEquals(3, withAdapter.storedFloats());
    }
}
