package dev.amend.editors.grace;

import dev.amend.spi.edit.Adapter;
import java.util.ArrayList;
import java.util.List;

/**
 * GRACE's codebook at one block: keys (in the MLP key space, d_ff), values (MLP outputs, d), deferral radii and
 * labels, built by inserting the edits' entries oldest first with the published rules. A new key farther than its
 * own radius plus the nearest entry's radius becomes a new entry; a nearer one with the nearest entry's label
 * widens that entry's radius to reach it ({@code coverage}; {@code moving_average} also moves the entry's key halfway
 * towards it) and gives it the new value; a nearer one with another label becomes a new entry and both radii are cut
 * to half the distance (the split). A key equal to an entry's with another label (the same prompt edited again)
 * takes that entry over: the newer edit wins, where the published split would leave both entries with no radius.
 * Because the codebook is rebuilt from the edits that remain, removing an edit leaves it as if that edit had never
 * been made.
 */
final class Codebook {
    /** The state keys of a codebook adapter. */
    static final String KEY = "key";
    static final String VALUE = "value";
    static final String RADIUS = "radius";
    static final String LABEL = "label";
    static final String EXPAND = "eps_expand";

    /** Keys closer than this are the same key. */
    private static final double SAME_KEY = 1e-6;

    private final List<float[]> keys = new ArrayList<>();
    private final List<float[]> values = new ArrayList<>();
    private final List<Double> radii = new ArrayList<>();
    private final List<String> labels = new ArrayList<>();

    /** Returns the codebook the entries of {@code adapters} build, oldest first. */
    static Codebook of(List<Adapter> adapters) {
        Codebook c = new Codebook();
        adapters.forEach(c::insert);
        return c;
    }

    /** Returns a copy of this codebook (the arrays are shared; they are never written). */
    Codebook copy() {
        Codebook c = new Codebook();
        c.keys.addAll(keys);
        c.values.addAll(values);
        c.radii.addAll(radii);
        c.labels.addAll(labels);
        return c;
    }

    /** Inserts the entry of {@code a} with the published rules. */
    void insert(Adapter a) {
        float[] key = a.floats(KEY);
        float[] value = a.floats(VALUE);
        double eps = a.number(RADIUS);
        String label = a.text(LABEL);
        if (keys.isEmpty()) {
            add(key, value, eps, label);
            return;
        }
        int j = 0;
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < keys.size(); i++) {
            double d = distance(keys.get(i), key);
            if (d < best) {
                best = d;
                j = i;
            }
        }
        if (best > eps + radii.get(j)) {
            add(key, value, eps, label);
        } else if (!label.equals(labels.get(j))) {
            if (best < SAME_KEY) {
                values.set(j, value);
                labels.set(j, label);
                radii.set(j, Math.max(radii.get(j), eps));
            } else {
                radii.set(j, best / 2 - 1e-5);
                add(key, value, best / 2, label);
            }
        } else {
            if (best > radii.get(j)) {
                if ("moving_average".equals(a.state().get(EXPAND))) {
                    keys.set(j, halfway(keys.get(j), key));
                }
                radii.set(j, best);
            }
            values.set(j, value);
        }
    }

    private void add(float[] key, float[] value, double radius, String label) {
        keys.add(key);
        values.add(value);
        radii.add(radius);
        labels.add(label);
    }

    /** Returns the number of entries. */
    int size() {
        return keys.size();
    }

    /** Returns the keys, row-major [size, d_ff], in float64. */
    double[] keyMatrix() {
        int w = keys.get(0).length;
        double[] out = new double[keys.size() * w];
        for (int i = 0; i < keys.size(); i++) {
            float[] k = keys.get(i);
            for (int c = 0; c < w; c++) {
                out[i * w + c] = k[c];
            }
        }
        return out;
    }

    /** Returns the values, row-major [size, d]. */
    float[] valueMatrix() {
        int w = values.get(0).length;
        float[] out = new float[values.size() * w];
        for (int i = 0; i < values.size(); i++) {
            System.arraycopy(values.get(i), 0, out, i * w, w);
        }
        return out;
    }

    /** Returns the radii. */
    double[] radii() {
        return radii.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Returns the labels, in entry order. */
    List<String> labels() {
        return List.copyOf(labels);
    }

    /** Returns the Euclidean distance of {@code a} and {@code b}, in double precision. */
    static double distance(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            s += d * d;
        }
        return Math.sqrt(s);
    }

    private static float[] halfway(float[] a, float[] b) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = 0.5f * a[i] + 0.5f * b[i];
        }
        return out;
    }
}
