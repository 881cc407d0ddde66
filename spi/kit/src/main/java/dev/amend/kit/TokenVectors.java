package dev.amend.kit;

import ai.djl.ndarray.NDArray;

/**
 * A batched [B, T, width] tensor (captured keys, values or logits) copied to Java, read by sequence and token:
 * the vector of sequence {@code b} at position {@code p} starts at {@link #row(int, int)}.
 *
 * @param data   the values, row-major [B, T, width]
 * @param length T, the padded sequence length
 * @param width  the size of each token's vector
 */
public record TokenVectors(float[] data, int length, int width) {

    /** Returns the values of {@code a} [B, T, width]. */
    public static TokenVectors of(NDArray a) {
        if (a.getShape().dimension() != 3) {
            throw new IllegalArgumentException("expected a [B, T, width] tensor, got " + a.getShape());
        }
        return new TokenVectors(a.toFloatArray(), (int) a.getShape().get(1), (int) a.getShape().get(2));
    }

    /** Returns the offset in {@link #data()} of the vector of sequence {@code b} at token {@code p}. */
    public int row(int b, int p) {
        return (b * length + p) * width;
    }

    /** Returns the vector of sequence {@code b} at token {@code p}, widened to double. */
    public double[] vector(int b, int p) {
        double[] v = new double[width];
        int base = row(b, p);
        for (int i = 0; i < width; i++) {
            v[i] = data[base + i];
        }
        return v;
    }

    /** Returns {@code u · x} for the vector x of sequence {@code b} at token {@code p}. */
    public double dot(int b, int p, double[] u) {
        int base = row(b, p);
        double s = 0;
        for (int i = 0; i < width; i++) {
            s += u[i] * data[base + i];
        }
        return s;
    }
}
