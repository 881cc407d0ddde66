package dev.amend.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A figure over several seeds: its mean and its spread. The spread is the sample standard deviation (divisor
 * n − 1; 0 for one seed); the smallest and largest value are kept beside it.
 *
 * @param mean  mean over the seeds
 * @param std   sample standard deviation over the seeds
 * @param min   smallest value
 * @param max   largest value
 * @param seeds number of seeds with a value (NaN values are left out)
 */
public record SeedSpread(double mean, double std, double min, double max, int seeds) {
    /** What {@link #std} is, as the reports say it. */
    public static final String DEFINITION = "sample standard deviation over the seeds (n - 1)";

    /** Returns the spread of {@code values}, NaN left out; all NaN when none is a number. */
    public static SeedSpread of(List<Double> values) {
        List<Double> v = new ArrayList<>();
        for (Double x : values) {
            if (x != null && !Double.isNaN(x)) {
                v.add(x);
            }
        }
        if (v.isEmpty()) {
            return new SeedSpread(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            sum += x;
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        double mean = sum / v.size();
        double ss = 0;
        for (double x : v) {
            ss += (x - mean) * (x - mean);
        }
        double std = v.size() < 2 ? 0 : Math.sqrt(ss / (v.size() - 1));
        return new SeedSpread(mean, std, min, max, v.size());
    }

    /** Returns, for every key of any of {@code runs}, the spread of its values over the runs (a missing key is NaN). */
    public static Map<String, SeedSpread> byKey(List<Map<String, Double>> runs) {
        Map<String, List<Double>> values = new LinkedHashMap<>();
        for (Map<String, Double> run : runs) {
            run.keySet().forEach(k -> values.putIfAbsent(k, new ArrayList<>()));
        }
        values.forEach((k, list) -> runs.forEach(run -> list.add(run.getOrDefault(k, Double.NaN))));
        Map<String, SeedSpread> out = new LinkedHashMap<>();
        values.forEach((k, list) -> out.put(k, of(list)));
        return out;
    }
}
