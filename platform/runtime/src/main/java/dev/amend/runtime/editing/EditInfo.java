package dev.amend.runtime.editing;

import dev.amend.spi.edit.Score;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the edit pipeline stores with an edit in the ledger (the entry's info): the answers before and after
 * the edit, the typed scores, and what else the caller adds. {@link #of} reads a stored info back, so the
 * scores stay typed from the evaluator to every view of the edit.
 *
 * @param before the answer to each request's prompt before the edit
 * @param after  the same after it
 * @param scores the evaluators' scores after the edit
 * @param extra  other entries (seed, timings, ...), in the order they were given
 */
public record EditInfo(List<String> before, List<String> after, List<Score> scores, Map<String, Object> extra) {
    private static final String BEFORE = "before";
    private static final String AFTER = "after";
    private static final String SCORES = "scores";

    /** Copies the collections (the extra map keeps its order). */
    public EditInfo {
        before = List.copyOf(before);
        after = List.copyOf(after);
        scores = List.copyOf(scores);
        extra = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    /** Returns the info as the ledger stores it: before, after, scores (metric, protocol, value, count), then the extras. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(BEFORE, before);
        m.put(AFTER, after);
        List<Map<String, Object>> stored = new ArrayList<>();
        for (Score s : scores) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("metric", s.metric());
            o.put("protocol", s.protocol());
            o.put("value", s.value());
            o.put("count", s.count());
            stored.add(o);
        }
        m.put(SCORES, stored);
        extra.forEach(m::putIfAbsent);
        return m;
    }

    /**
     * Returns the info stored as {@code info}, tolerant of what other writers stored: answers as one string or a
     * list, scores as a list of {metric, protocol, value, count} (value a number or a string such as "NaN") or as
     * a map "protocol/metric" → value (count 0). Anything else under those keys reads as empty.
     */
    public static EditInfo of(Map<String, Object> info) {
        Map<String, Object> extra = new LinkedHashMap<>(info);
        List<String> before = answers(extra.remove(BEFORE));
        List<String> after = answers(extra.remove(AFTER));
        List<Score> scores = scores(extra.remove(SCORES));
        return new EditInfo(before, after, scores, extra);
    }

    private static List<String> answers(Object stored) {
        if (stored instanceof String s) {
            return List.of(s);
        }
        if (stored instanceof List<?> l) {
            return l.stream().map(String::valueOf).toList();
        }
        return List.of();
    }

    private static List<Score> scores(Object stored) {
        List<Score> out = new ArrayList<>();
        if (stored instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Map<?, ?> m && m.get("metric") != null && m.get("protocol") != null) {
                    out.add(new Score(String.valueOf(m.get("metric")), String.valueOf(m.get("protocol")),
                            number(m.get("value")), m.get("count") instanceof Number n ? n.intValue() : 0));
                }
            }
        } else if (stored instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                String key = String.valueOf(k);
                int slash = key.indexOf('/');
                if (slash > 0) {
                    out.add(new Score(key.substring(slash + 1), key.substring(0, slash), number(v), 0));
                }
            });
        }
        return out;
    }

    private static double number(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return v == null ? Double.NaN : Double.parseDouble(String.valueOf(v));
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
