package dev.amend.cli;

import java.util.List;
import java.util.Map;

/** The plain-text output of {@code bench counterfact}, read from the object {@code --json} prints. */
final class CounterFactText {
    private CounterFactText() {
    }

    /** Prints {@code o} (one run, or several seeds with their spread) to standard output. */
    @SuppressWarnings("unchecked")
    static void print(Map<String, Object> o) {
        boolean seeds = o.containsKey("seeds");
        System.out.printf("%s, %s edits (%s, %s split) on %s, %s: %.1f s (%.2f s per edit)%n", o.get("method"),
                o.get("edits"), o.get("mode"), o.get("split"), o.get("model"),
                seeds ? "seeds " + o.get("seeds") : "seed " + o.get("seed"), number(o.get("wall_seconds")),
                number(o.get("seconds_per_edit")));
        Map<String, Double> scores = (Map<String, Double>) o.get("scores");
        if (seeds) {
            System.out.println("mean ± " + o.get("spread") + " [min, max]");
            Map<String, Double> std = (Map<String, Double>) o.get("scores_std");
            System.out.printf("%-48s %8s %8s%n", "protocol/metric", "mean", "std");
            scores.forEach((k, v) -> System.out.printf("%-48s %8.3f %8.3f%n", k, v, std.getOrDefault(k, Double.NaN)));
            Map<String, Double> min = (Map<String, Double>) o.get("min");
            Map<String, Double> max = (Map<String, Double>) o.get("max");
            Map<String, Double> hstd = (Map<String, Double>) o.get("std");
            System.out.printf("%n%-28s %8s %8s %8s %8s%n", "headline", "mean", "std", "min", "max");
            for (String k : CounterFactJson.FIELDS.keySet()) {
                System.out.printf("%-28s %8.3f %8.3f %8.3f %8.3f%n", k, number(o.get(k)), hstd.get(k), min.get(k),
                        max.get(k));
            }
        } else {
            System.out.printf("%-48s %8s%n", "protocol/metric", "value");
            scores.forEach((k, v) -> System.out.printf("%-48s %8.3f%n", k, v));
        }
        ((Map<String, Double>) o.get("timings")).forEach((k, v) -> System.out.printf("seconds %-40s %8.2f%n", k, v));
        List<Map<String, Object>> points = (List<Map<String, Object>>) o.get("checkpoints");
        if (!points.isEmpty()) {
            System.out.printf("%n%8s %10s %15s %12s %16s %15s%n", "edits", "efficacy", "generalization",
                    "specificity", "recent efficacy", "untouched kept");
            for (Map<String, Object> c : points) {
                System.out.printf("%8d %10.3f %15.3f %12.3f %16.3f %15.3f%n", ((Number) c.get("edits")).intValue(),
                        number(c.get("efficacy")), number(c.get("generalization")), number(c.get("specificity")),
                        number(c.get("recent_efficacy")), number(c.get("untouched_kept")));
            }
            if (o.get("stopped_at") != null) {
                System.out.println("stopped after " + o.get("stopped_at") + " edits");
            }
        }
    }

    private static double number(Object v) {
        return v == null ? Double.NaN : ((Number) v).doubleValue();
    }
}
