package dev.amend.spi.edit;

import java.security.SecureRandom;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A module an edit adds to the forward pass, as data: which kind of module (a codebook, a side memory), the block it
 * acts at, and its state. The runtime applies it at the MLP output projection of block {@code layer} through the
 * {@link dev.amend.spi.AdapterKind} installed for {@code kind}; the ledger stores, replays, rolls back and ships it
 * like a weight delta. Equality compares the state by value (arrays by content), so an adapter read back from disk
 * equals the one recorded.
 *
 * @param id    unique id (removing an adapter from a model names it by id)
 * @param kind  the kind, e.g. {@code grace-codebook}: lower case letters, digits, '.', '_' and '-'
 * @param layer the block whose MLP output it acts on
 * @param state the module's state: strings, booleans, numbers, {@code float[]} (stored as tensors), {@code double[]},
 *              {@code int[]}, {@code long[]}, and lists and maps (string keys) of these
 */
public record Adapter(String id, String kind, int layer, Map<String, Object> state) {
    private static final Pattern KIND = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Checks the fields and copies the state (keeping its order). */
    public Adapter {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(state, "state");
        if (id.isBlank()) {
            throw new IllegalArgumentException("an adapter needs a non-blank id");
        }
        if (!KIND.matcher(kind).matches()) {
            throw new IllegalArgumentException("adapter kind \"" + kind + "\" must be 1-64 lower-case letters, digits,"
                    + " '.', '_' or '-'");
        }
        if (layer < 0) {
            throw new IllegalArgumentException("adapter " + id + " has a negative layer " + layer);
        }
        state = Collections.unmodifiableMap(new LinkedHashMap<>(state));
    }

    /** Returns a new adapter of {@code kind} at {@code layer} with {@code state} and a fresh random id. */
    public static Adapter of(String kind, int layer, Map<String, Object> state) {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return new Adapter(HexFormat.of().formatHex(b), kind, layer, state);
    }

    /** Returns the float array stored under {@code key}, or throws naming the key. */
    public float[] floats(String key) {
        if (state.get(key) instanceof float[] f) {
            return f;
        }
        throw new IllegalArgumentException("adapter " + id + " (" + kind + ") has no float array \"" + key + "\"");
    }

    /** Returns the number stored under {@code key} as a double, or throws naming the key. */
    public double number(String key) {
        if (state.get(key) instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException("adapter " + id + " (" + kind + ") has no number \"" + key + "\"");
    }

    /** Returns the string stored under {@code key}, or throws naming the key. */
    public String text(String key) {
        if (state.get(key) instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException("adapter " + id + " (" + kind + ") has no string \"" + key + "\"");
    }

    /** Returns the number of floats the state stores in float arrays. */
    public long storedFloats() {
        return floatsIn(state);
    }

    private static long floatsIn(Object value) {
        if (value instanceof float[] f) {
            return f.length;
        }
        long n = 0;
        if (value instanceof Map<?, ?> m) {
            for (Object v : m.values()) {
                n += floatsIn(v);
            }
        } else if (value instanceof Collection<?> c) {
            for (Object v : c) {
                n += floatsIn(v);
            }
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Adapter a && id.equals(a.id) && kind.equals(a.kind) && layer == a.layer
                && sameValue(state, a.state);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, kind, layer, state.keySet());
    }

    /** Returns true when two state values are equal, arrays compared by content. */
    private static boolean sameValue(Object a, Object b) {
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (!x.keySet().equals(y.keySet())) {
                return false;
            }
            for (Object k : x.keySet()) {
                if (!sameValue(x.get(k), y.get(k))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!sameValue(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return Objects.deepEquals(a, b);
    }

    @Override
    public String toString() {
        return "Adapter[" + id + ", " + kind + " at layer " + layer + ", " + state.keySet() + ", "
                + storedFloats() + " floats]";
    }
}
