package dev.amend.fuzz;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/**
 * Generators of JSON-like values (maps, lists, strings, numbers, booleans, null) as Jackson and YAML read them, with
 * the edge cases a careless parser trips on: huge and fractional numbers, non-finite doubles, empty and very long
 * strings, control and non-ASCII characters, deep nesting.
 */
final class JsonValues {
    private JsonValues() {
    }

    /** Returns strings from empty to long, with spaces, control, non-ASCII and format characters. */
    static Arbitrary<String> strings() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.strings().ofMaxLength(40)),
                net.jqwik.api.Tuple.of(3, Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(60)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("", " ", "{}", "{} {}", "\u0000", "\u202e", "Zürich → 100%",
                        "%s%n", "../../etc/passwd", "/etc", "NaN", "Infinity", "-0", "1e999", "true", "null")),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(4_000, 30_000)
                        .map(n -> "word ".repeat(n / 5))));
    }

    /** Returns numbers: small and huge integers, fractions, non-finite and negative zero. */
    static Arbitrary<Object> numbers() {
        return Arbitraries.oneOf(
                Arbitraries.integers().between(-3, 300).map(i -> (Object) i),
                Arbitraries.longs().map(l -> (Object) l),
                Arbitraries.doubles().map(d -> (Object) d),
                Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 1.5, 1e300,
                        (double) Long.MAX_VALUE, 0.0).map(d -> (Object) d),
                Arbitraries.of(new java.math.BigInteger("123456789012345678901234567890")).map(b -> (Object) b));
    }

    /** Returns scalars: strings, numbers, booleans and null. */
    static Arbitrary<Object> scalars() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, strings().map(s -> (Object) s)),
                net.jqwik.api.Tuple.of(4, numbers()),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(true, false).map(b -> (Object) b))).injectNull(0.08);
    }

    /** Returns values up to {@code depth} levels of lists and maps deep. */
    static Arbitrary<Object> values(int depth) {
        if (depth <= 0) {
            return scalars();
        }
        Arbitrary<Object> inner = Arbitraries.lazy(() -> values(depth - 1));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, scalars()),
                net.jqwik.api.Tuple.of(1, inner.list().ofMaxSize(4).map(l -> (Object) new ArrayList<>(l))),
                net.jqwik.api.Tuple.of(1, Arbitraries.maps(strings(), inner).ofMaxSize(4)
                        .map(m -> (Object) new LinkedHashMap<>(m))));
    }

    /**
     * Returns the JSON text of {@code depth} nested arrays around a number, to probe nesting limits (written as text:
     * Jackson refuses to write more than 1,000 levels).
     */
    static String nested(int depth) {
        return "[".repeat(depth) + "1" + "]".repeat(depth);
    }

    /** Returns {@code key → value} pairs where keys come from {@code known} mostly and values from {@link #values}. */
    static Arbitrary<Map<String, Object>> mapsOver(List<String> known, int maxSize) {
        Arbitrary<String> keys = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.of(known)),
                net.jqwik.api.Tuple.of(1, strings()));
        return Arbitraries.maps(keys, values(2)).ofMaxSize(maxSize).map(LinkedHashMap::new);
    }
}
