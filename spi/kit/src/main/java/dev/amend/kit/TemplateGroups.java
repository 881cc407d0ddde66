package dev.amend.kit;

import dev.amend.spi.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;

/**
 * Context templates in groups, as MEMIT keeps them: the bare prompt {@code [["{}"]]} as one group and each
 * batch of generated prefixes as another. A request's key is the mean over the groups of each group's mean
 * key (MEMIT's {@code compute_ks}), so with one bare prompt and five prefixes the bare prompt weighs ½. ROME
 * averages all its templates alike: it uses one group. Every template holds exactly one {@code {}}, where the
 * prompt goes.
 *
 * @param groups the templates, group by group; no group is empty
 */
public record TemplateGroups(List<List<String>> groups) {

    /** Copies the groups and refuses a template without exactly one {@code {}}, saying which and how to fix it. */
    public TemplateGroups {
        List<String> p = problems(groups);
        if (!p.isEmpty()) {
            throw new InvalidRequestException(String.join("; ", p));
        }
        List<List<String>> copy = new ArrayList<>();
        for (List<String> g : groups) {
            copy.add(List.copyOf(g));
        }
        groups = List.copyOf(copy);
    }

    /** Returns all {@code templates} as one group (ROME's plain mean over templates). */
    public static TemplateGroups single(List<String> templates) {
        return new TemplateGroups(List.of(templates));
    }

    /**
     * Returns what is wrong with {@code groups} as context templates (empty when nothing): an empty list or
     * group, or a template without exactly one {@code {}}.
     */
    public static List<String> problems(List<List<String>> groups) {
        List<String> p = new ArrayList<>();
        if (groups == null || groups.isEmpty()) {
            p.add("context_templates is empty: give at least [[\"{}\"]]");
            return p;
        }
        for (int g = 0; g < groups.size(); g++) {
            List<String> group = groups.get(g);
            if (group == null || group.isEmpty()) {
                p.add("context_templates[" + g + "] is an empty group: give at least one template");
                continue;
            }
            for (int i = 0; i < group.size(); i++) {
                String t = group.get(i);
                int first = t == null ? -1 : t.indexOf("{}");
                if (first < 0 || first != t.lastIndexOf("{}")) {
                    p.add("context template context_templates[" + g + "][" + i + "] \"" + t + "\" must hold {} exactly "
                            + "once, where the prompt goes (e.g. \"Some text. {}\")");
                }
            }
        }
        return p;
    }

    /** Returns the templates of all groups in order. */
    public List<String> flat() {
        List<String> out = new ArrayList<>();
        groups.forEach(out::addAll);
        return List.copyOf(out);
    }

    /** Returns the number of templates in each group. */
    public int[] sizes() {
        return groups.stream().mapToInt(List::size).toArray();
    }

    /** Returns the number of templates. */
    public int count() {
        return groups.stream().mapToInt(List::size).sum();
    }

    /**
     * Returns the mean over the groups of each group's mean of {@code vectors}, which hold one vector per template
     * in {@link #flat()} order.
     */
    public double[] groupedMean(double[][] vectors) {
        if (vectors.length != count()) {
            throw new IllegalArgumentException(vectors.length + " vectors for " + count() + " templates");
        }
        double[] mean = new double[vectors[0].length];
        int from = 0;
        for (List<String> g : groups) {
            double w = 1.0 / groups.size() / g.size();
            for (int t = from; t < from + g.size(); t++) {
                for (int d = 0; d < mean.length; d++) {
                    mean[d] += w * vectors[t][d];
                }
            }
            from += g.size();
        }
        return mean;
    }
}
