package dev.amend.kit;

import ai.djl.ndarray.NDArray;
import dev.amend.spi.Locator;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Site;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects MLP keys (inputs of the MLP output projection) and, optionally, a value site at located
 * tokens: for each request, the prompt wrapped in each context template. A request's mean key is taken
 * over the template groups as MEMIT's {@code compute_ks} does (see {@link TemplateGroups}).
 */
public final class KeyCollector {
    private static final int BATCH = 64;

    /**
     * Keys and values, indexed [request][template][dim].
     *
     * @param keys      MLP keys (d_ff)
     * @param values    the value site's vectors (d), or null when none was asked for
     * @param templates the templates in their groups
     */
    public record Collected(double[][][] keys, double[][][] values, TemplateGroups templates) {
        /** Keys and values of templates forming one group. */
        public Collected(double[][][] keys, double[][][] values) {
            this(keys, values, null);
        }

        /** Returns the mean key of request {@code i}: over the groups, of each group's mean over its templates. */
        public double[] meanKey(int i) {
            return templates == null ? mean(keys[i]) : templates.groupedMean(keys[i]);
        }

        /** Returns the mean value of request {@code i}, taken as {@link #meanKey} takes the keys. */
        public double[] meanValue(int i) {
            return templates == null ? mean(values[i]) : templates.groupedMean(values[i]);
        }
    }

    private KeyCollector() {
    }

    /**
     * Returns the keys of block {@code layer} (and the vectors at {@code valueSite} of the same layer when
     * not null) at the located token of each request's prompt wrapped in each of {@code templates}.
     */
    public static Collected collect(EditableModel model, int layer, List<EditRequest> requests, List<String> templates,
                                    Locator locator, Site valueSite) {
        return collect(model, layer, requests, templates, locator, layer, valueSite);
    }

    /**
     * Returns the keys of block {@code layer} and, in the same forward passes, the vectors at {@code valueSite}
     * of block {@code valueLayer} (when not null) at the located token of each request in each template.
     */
    public static Collected collect(EditableModel model, int layer, List<EditRequest> requests, List<String> templates,
                                    Locator locator, int valueLayer, Site valueSite) {
        return collect(model, layer, requests, TemplateGroups.single(templates), locator, valueLayer, valueSite);
    }

    /**
     * Returns the keys of block {@code layer} and, in the same forward passes, the vectors at {@code valueSite}
     * of block {@code valueLayer} (when not null) at the located token of each request in each template of
     * {@code groups}; the means are taken over the groups.
     */
    public static Collected collect(EditableModel model, int layer, List<EditRequest> requests, TemplateGroups groups,
                                    Locator locator, int valueLayer, Site valueSite) {
        List<String> templates = groups.flat();
        List<int[]> seqs = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (EditRequest r : requests) {
            for (String t : templates) {
                String prefix = ContextTemplates.prefix(t);
                seqs.add(model.tokenizer().encode(prefix + r.filledPrompt(), true));
                positions.add(Locators.locate(locator, model.tokenizer(), prefix, r));
            }
        }
        double[][][] keys = new double[requests.size()][templates.size()][];
        double[][][] values = valueSite == null ? null : new double[requests.size()][templates.size()][];
        for (int from = 0; from < seqs.size(); from += BATCH) {
            List<int[]> part = seqs.subList(from, Math.min(seqs.size(), from + BATCH));
            ForwardRequest.Builder req = ForwardRequest.builder(part)
                    .stopAfter(valueSite == null ? layer : Math.max(layer, valueLayer)).capture(layer, Site.MLP_KEY);
            if (valueSite != null) {
                req.capture(valueLayer, valueSite);
            }
            try (ForwardResult res = model.forward(req.build())) {
                gather(res.capture(layer, Site.MLP_KEY), part.size(), from, positions, keys, templates.size());
                if (valueSite != null) {
                    gather(res.capture(valueLayer, valueSite), part.size(), from, positions, values,
                            templates.size());
                }
            }
        }
        return new Collected(keys, values, groups);
    }

    private static void gather(NDArray a, int rows, int from, List<Integer> positions, double[][][] into,
                               int templates) {
        TokenVectors v = TokenVectors.of(a);
        for (int b = 0; b < rows; b++) {
            int idx = from + b;
            into[idx / templates][idx % templates] = v.vector(b, positions.get(idx));
        }
    }

    /** Returns the element-wise mean of {@code vectors}. */
    public static double[] mean(double[][] vectors) {
        double[] m = new double[vectors[0].length];
        for (double[] v : vectors) {
            for (int d = 0; d < m.length; d++) {
                m[d] += v[d] / vectors.length;
            }
        }
        return m;
    }
}
