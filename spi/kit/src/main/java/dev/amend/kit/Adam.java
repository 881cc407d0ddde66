package dev.amend.kit;

/**
 * Adam on a vector in float64, as {@code torch.optim.Adam} with its defaults (β₁ = 0.9, β₂ = 0.999, ε = 1e-8,
 * no weight decay): the optimiser of ROME's and MEMIT's value optimisation.
 */
final class Adam {
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;

    private final double lr;
    private final double[] m;
    private final double[] s;
    private int steps;

    /** Creates the optimiser for a vector of {@code size} values with learning rate {@code lr}. */
    Adam(int size, double lr) {
        this.lr = lr;
        this.m = new double[size];
        this.s = new double[size];
    }

    /** Moves {@code x} one step against {@code gradient}, in place. */
    void step(double[] x, float[] gradient) {
        steps++;
        double c1 = 1 - Math.pow(BETA1, steps);
        double c2 = 1 - Math.pow(BETA2, steps);
        for (int i = 0; i < x.length; i++) {
            m[i] = BETA1 * m[i] + (1 - BETA1) * gradient[i];
            s[i] = BETA2 * s[i] + (1 - BETA2) * gradient[i] * gradient[i];
            x[i] -= lr * (m[i] / c1) / (Math.sqrt(s[i] / c2) + EPSILON);
        }
    }

    /** Returns the number of steps taken. */
    int steps() {
        return steps;
    }
}
