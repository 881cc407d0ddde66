package dev.amend.kit.linalg;

import ai.djl.Device;
import dev.amend.kit.linalg.LinearAlgebra.Operation;
import dev.amend.kit.linalg.LinearAlgebra.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Which path ({@link Path}) each operation takes at each size. {@code auto} takes the torch path from a minimum
 * order n on, the Java path below it; the minimums are where the torch path was measured faster
 * ({@code ./amend bench linalg}, see docs/results.md).
 *
 * <p>System properties, read when a model's {@link LinearAlgebra} is made:
 * <ul>
 *   <li>{@code amend.linalg} = {@code auto} (default) | {@code java} | {@code torch}: every operation;</li>
 *   <li>{@code amend.linalg.solve}, {@code amend.linalg.projector}: the same values, for one operation
 *       (overrides {@code amend.linalg});</li>
 *   <li>{@code amend.linalg.solve.min-size}, {@code amend.linalg.projector.min-size}: the order n from which
 *       {@code auto} takes the torch path (defaults: {@link #CPU_MIN_SOLVE} and {@link #CPU_MIN_PROJECTOR} on
 *       the CPU, {@link #GPU_MIN_SIZE} on a GPU).</li>
 * </ul>
 */
public final class LinearAlgebraPolicy {
    /** Smallest n for which {@code auto} solves on the torch path on a CPU (measured: below it Java is faster). */
    public static final int CPU_MIN_SOLVE = 512;
    /** Smallest n for which {@code auto} builds the projector on the torch path on a CPU (measured likewise). */
    public static final int CPU_MIN_PROJECTOR = 384;
    /** Smallest n for which {@code auto} uses the torch path on a GPU (not measured here: set from the CPU figures). */
    public static final int GPU_MIN_SIZE = 256;

    /** How one operation chooses: a fixed path, or auto with a minimum order for torch. */
    private record Rule(Path fixed, int minSize) {
        Path pathFor(int n) {
            return fixed != null ? fixed : n >= minSize ? Path.TORCH : Path.JAVA;
        }

        @Override
        public String toString() {
            return fixed != null ? fixed.label() : "auto, torch from n = " + minSize;
        }
    }

    private final Map<Operation, Rule> rules;

    private LinearAlgebraPolicy(Map<Operation, Rule> rules) {
        this.rules = rules;
    }

    /** Returns the policy that runs everything in Java. */
    static LinearAlgebraPolicy javaOnly() {
        return forced(Path.JAVA);
    }

    /** Returns the policy that runs everything on {@code path}. */
    static LinearAlgebraPolicy forced(Path path) {
        Map<Operation, Rule> rules = new EnumMap<>(Operation.class);
        for (Operation op : Operation.values()) {
            rules.put(op, new Rule(path, 0));
        }
        return new LinearAlgebraPolicy(rules);
    }

    /** Returns the policy the system properties configure for {@code device}. */
    public static LinearAlgebraPolicy configured(Device device) {
        boolean gpu = device != null && device.isGpu();
        Map<Operation, Rule> rules = new EnumMap<>(Operation.class);
        String all = System.getProperty("amend.linalg", "auto");
        for (Operation op : Operation.values()) {
            String key = "amend.linalg." + op.label();
            Path fixed = parsePath(key, System.getProperty(key, all));
            int defaultMin = gpu ? GPU_MIN_SIZE : op == Operation.SOLVE ? CPU_MIN_SOLVE : CPU_MIN_PROJECTOR;
            rules.put(op, new Rule(fixed, parseSize(key + ".min-size", defaultMin)));
        }
        return new LinearAlgebraPolicy(rules);
    }

    /** Returns the path {@code op} takes at order {@code n}. */
    public Path pathFor(Operation op, int n) {
        return rules.get(op).pathFor(n);
    }

    /** Returns the fixed path named {@code value} of the property {@code key}, or null for {@code auto}. */
    private static Path parsePath(String key, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("auto")) {
            return null;
        }
        for (Path p : Path.values()) {
            if (p.label().equals(v)) {
                return p;
            }
        }
        throw new IllegalArgumentException("-D" + key + "=" + value + " is not a linear algebra path: use auto, java"
                + " or torch");
    }

    private static int parseSize(String key, int defaultValue) {
        String v = System.getProperty(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + key + "=" + v + " is not a matrix order: give a whole number ≥ 0");
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        rules.forEach((op, r) -> s.append(s.length() == 0 ? "" : "; ").append(op.label()).append(": ").append(r));
        return s.toString();
    }
}
