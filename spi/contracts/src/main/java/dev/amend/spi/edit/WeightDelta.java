package dev.amend.spi.edit;

import java.util.Objects;

/**
 * A change to one named weight, in the [out, in] orientation of the linear map ({@code ΔW x} is the
 * change of the output). Plain float arrays, so an edit outlives the model's native memory and can
 * be stored and shipped.
 */
public sealed interface WeightDelta permits WeightDelta.Dense, WeightDelta.LowRank {

    /** Returns the name of the weight this delta changes. */
    String weight();

    /** Returns the number of output features (rows of ΔW). */
    int rows();

    /** Returns the number of input features (columns of ΔW). */
    int cols();

    /** Returns ΔW as a dense row-major [rows, cols] array. */
    float[] toDense();

    /** Returns the number of floats this delta stores. */
    long storedFloats();

    /** Returns the delta with every value negated (its inverse). */
    WeightDelta negate();

    /**
     * Returns this delta plus {@code other} (same weight and shape): low-rank factors side by side while the
     * summed rank stays below both dimensions, dense values otherwise.
     */
    default WeightDelta plus(WeightDelta other) {
        if (!weight().equals(other.weight()) || rows() != other.rows() || cols() != other.cols()) {
            throw new IllegalArgumentException("cannot add a delta of " + other.weight() + " [" + other.rows() + ", "
                    + other.cols() + "] to one of " + weight() + " [" + rows() + ", " + cols() + "]");
        }
        if (this instanceof LowRank a && other instanceof LowRank b && a.rank() + b.rank() < Math.min(rows(), cols())) {
            int r = a.rank() + b.rank();
            float[] u = new float[rows() * r];
            float[] v = new float[cols() * r];
            for (int i = 0; i < rows(); i++) {
                System.arraycopy(a.u(), i * a.rank(), u, i * r, a.rank());
                System.arraycopy(b.u(), i * b.rank(), u, i * r + a.rank(), b.rank());
            }
            for (int i = 0; i < cols(); i++) {
                System.arraycopy(a.v(), i * a.rank(), v, i * r, a.rank());
                System.arraycopy(b.v(), i * b.rank(), v, i * r + a.rank(), b.rank());
            }
            return new LowRank(weight(), rows(), cols(), r, u, v);
        }
        float[] x = toDense();
        float[] y = other.toDense();
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
        return new Dense(weight(), rows(), cols(), x);
    }

    /**
     * A dense ΔW.
     *
     * @param weight weight name
     * @param rows   output features
     * @param cols   input features
     * @param values row-major [rows, cols]
     */
    record Dense(String weight, int rows, int cols, float[] values) implements WeightDelta {
        /** Checks the shape. */
        public Dense {
            Objects.requireNonNull(weight, "weight");
            if ((long) rows * cols != values.length) {
                throw new IllegalArgumentException("dense delta for " + weight + ": " + values.length
                        + " values for shape [" + rows + ", " + cols + "]");
            }
        }

        @Override
        public float[] toDense() {
            return values.clone();
        }

        @Override
        public long storedFloats() {
            return values.length;
        }

        @Override
        public WeightDelta negate() {
            float[] v = new float[values.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = -values[i];
            }
            return new Dense(weight, rows, cols, v);
        }
    }

    /**
     * ΔW = U Vᵀ with U [rows, rank] and V [cols, rank], both row-major.
     *
     * @param weight weight name
     * @param rows   output features
     * @param cols   input features
     * @param rank   number of factor columns
     * @param u      row-major [rows, rank]
     * @param v      row-major [cols, rank]
     */
    record LowRank(String weight, int rows, int cols, int rank, float[] u, float[] v) implements WeightDelta {
        /** Checks the shapes. */
        public LowRank {
            Objects.requireNonNull(weight, "weight");
            if ((long) rows * rank != u.length || (long) cols * rank != v.length) {
                throw new IllegalArgumentException("low-rank delta for " + weight + " has factors of "
                        + u.length + " and " + v.length + " values for [" + rows + ", " + cols + "] rank " + rank);
            }
        }

        @Override
        public float[] toDense() {
            float[] out = new float[rows * cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    double s = 0;
                    for (int r = 0; r < rank; r++) {
                        s += (double) u[i * rank + r] * v[j * rank + r];
                    }
                    out[i * cols + j] = (float) s;
                }
            }
            return out;
        }

        @Override
        public long storedFloats() {
            return u.length + (long) v.length;
        }

        @Override
        public WeightDelta negate() {
            float[] nu = new float[u.length];
            for (int i = 0; i < nu.length; i++) {
                nu[i] = -u[i];
            }
            return new LowRank(weight, rows, cols, rank, nu, v.clone());
        }
    }
}
