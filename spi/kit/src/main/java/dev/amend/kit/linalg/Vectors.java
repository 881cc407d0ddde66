package dev.amend.kit.linalg;

/** Small vector helpers the kit and the editors share. */
public final class Vectors {
    private Vectors() {
    }

    /** Returns the dot product of {@code a} and {@code b}. */
    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Returns the Euclidean norm of {@code a}. */
    public static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    /** Returns {@code a} narrowed to float. */
    public static float[] toFloats(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    /** Returns {@code a} widened to double. */
    public static double[] toDoubles(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
